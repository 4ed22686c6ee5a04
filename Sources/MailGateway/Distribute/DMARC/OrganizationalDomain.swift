/// The organizational domain of RFC 7489 §3.2, by a small public-suffix heuristic instead of the full Public
/// Suffix List (which would have to be shipped and kept up to date): the registered domain is the last two
/// labels, or the last three when the last two form a known shared suffix — a two-letter country code under
/// one of the usual second-level labels (`ac.uk`, `co.jp`, `gouv.fr`, `com.br`, `org.ar`…) or one of a few
/// listed suffixes. A domain of an unlisted multi-label suffix is taken one label too short, whose `_dmarc`
/// record does not exist in practice: the lookup then finds nothing, as it would without the heuristic.
public enum OrganizationalDomain {
    /// Second-level labels under which a country code registers names (`univ.ac.uk`, `inta.gob.ar`).
    static let sharedSecondLevels: Set<String> = [
        "ac", "co", "com", "edu", "gob", "gouv", "gov", "govt", "net", "org", "or", "ne", "go", "nic", "mil", "res",
        "asso", "nom", "sch", "ltd", "plc", "int", "ind", "gen", "info", "biz", "mus", "tm", "lg", "ed", "gv",
    ]

    /// The organizational domain of `domain` (lower-cased, no trailing dot).
    public static func of(_ domain: String) -> String {
        var name = domain.lowercased()
        while name.hasSuffix(".") { name.removeLast() }
        let labels = name.split(separator: ".", omittingEmptySubsequences: true).map(String.init)
        guard labels.count > 2 else { return labels.joined(separator: ".") }
        let tld = labels[labels.count - 1]
        let second = labels[labels.count - 2]
        let keep = tld.count == 2 && sharedSecondLevels.contains(second) ? 3 : 2
        return labels.suffix(keep).joined(separator: ".")
    }
}
