/// Relaxed identifier alignment (DMARC, RFC 7489 §3.1): two domains are aligned when their organisational
/// domains are equal.
///
/// Without the Public Suffix List, the organisational domain is taken as the last two labels, or the last three
/// when the last two form a common two-level public suffix (`co.uk`, `com.br`, `gouv.fr`...; a built-in list).
/// This is an approximation the issue accepts: it can only align more domains than the PSL would for
/// suffixes missing from the list, never fewer.
public enum DomainAlignment {
    /// Two-level public suffixes under which organisations register (a short, common subset of the PSL).
    static let twoLevelSuffixes: Set<String> = [
        "co.uk", "ac.uk", "gov.uk", "org.uk", "ltd.uk", "plc.uk", "me.uk", "nhs.uk",
        "com.au", "net.au", "org.au", "edu.au", "gov.au", "asn.au",
        "co.nz", "org.nz", "govt.nz", "ac.nz",
        "com.br", "org.br", "gov.br", "edu.br", "net.br",
        "com.ar", "org.ar", "gob.ar", "edu.ar", "gov.ar",
        "com.mx", "org.mx", "gob.mx", "edu.mx",
        "com.co", "org.co", "gov.co", "edu.co",
        "com.pe", "org.pe", "gob.pe", "edu.pe",
        "gob.es", "org.es", "com.es", "edu.es",
        "gouv.fr", "asso.fr", "com.fr",
        "co.jp", "ac.jp", "go.jp", "or.jp",
        "co.in", "org.in", "gov.in", "ac.in", "res.in",
        "co.za", "org.za", "gov.za", "ac.za",
        "co.ke", "or.ke", "go.ke", "ac.ke",
        "gouv.sn", "gov.sn", "gouv.ci", "gouv.bj", "gov.ma", "gouv.ml", "gov.ng", "com.ng",
        "com.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn",
        "com.tr", "org.tr", "gov.tr", "edu.tr",
        "com.sg", "org.sg", "gov.sg", "edu.sg",
        "europa.eu",
    ]

    /// The organisational domain, lower-cased, without a trailing dot.
    public static func organisationalDomain(_ domain: some StringProtocol) -> String {
        var d = domain.lowercased()
        if d.hasSuffix(".") { d.removeLast() }
        let labels = d.split(separator: ".")
        guard labels.count > 2 else { return d }
        let lastTwo = labels.suffix(2).joined(separator: ".")
        if twoLevelSuffixes.contains(lastTwo) {
            return labels.suffix(3).joined(separator: ".")
        }
        return lastTwo
    }

    /// Relaxed alignment of two domains.
    public static func aligned(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        if HeaderScan.equalsIgnoringCase(a, b) { return true }
        return organisationalDomain(a) == organisationalDomain(b)
    }
}
