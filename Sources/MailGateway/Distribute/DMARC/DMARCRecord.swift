import Foundation

/// A published DMARC record, reduced to what the gateway acts on: the policy for the domain itself (`p=`) and
/// for its subdomains (`sp=`), RFC 7489 §6.3.
public struct DMARCRecord: Sendable, Equatable {
    /// `p=`: the policy of the domain the record was found at.
    public var policy: DMARCPolicy
    /// `sp=`: the policy for subdomains of an organizational domain (nil: `p=` applies).
    public var subdomainPolicy: DMARCPolicy?

    public init(policy: DMARCPolicy, subdomainPolicy: DMARCPolicy? = nil) {
        self.policy = policy
        self.subdomainPolicy = subdomainPolicy
    }

    /// Parses one TXT record's text. Nil when it is not a DMARC record (`v=DMARC1` must be the first tag).
    /// A missing or unknown `p=` reads as `none` (RFC 7489 §6.6.3: a record with a bad `p=` is treated as
    /// `p=none` when it has a valid `rua=`; with neither, nothing is asked of receivers either way).
    public static func parse(_ text: String) -> DMARCRecord? {
        let tags = text.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let first = tags.first, Self.tag(first)?.name == "v", Self.tag(first)?.value == "DMARC1" else { return nil }
        var policy: DMARCPolicy?
        var subdomain: DMARCPolicy?
        for raw in tags.dropFirst() {
            guard let (name, value) = Self.tag(raw) else { continue }
            switch name {
            case "p": policy = DMARCPolicy(rawValue: value.lowercased())
            case "sp": subdomain = DMARCPolicy(rawValue: value.lowercased())
            default: continue
            }
        }
        return DMARCRecord(policy: policy ?? .none, subdomainPolicy: subdomain)
    }

    /// The record among the TXT texts found at one `_dmarc` name: RFC 7489 §6.6.3 step 5 keeps the texts that
    /// start with `v=DMARC1`; if not exactly one remains, there is no policy at that name.
    public static func select(_ texts: [String]) -> DMARCRecord? {
        let records = texts.compactMap(parse)
        return records.count == 1 ? records[0] : nil
    }

    private static func tag(_ text: some StringProtocol) -> (name: String, value: String)? {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let name = text[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
        let value = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        return (name, value)
    }
}
