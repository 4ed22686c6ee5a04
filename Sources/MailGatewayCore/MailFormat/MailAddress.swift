/// A mailbox address with its decoded display name (RFC 5322 §3.4, RFC 2047 words decoded), and the one place
/// that splits an address into its parts and says how they compare.
///
/// Parts: the addr-spec is split at its *last* `@` (a quoted local part may contain `@`; a domain never does).
/// Case rules (RFC 5321 §2.4): the local part is kept and written as given; the domain compares without case
/// (`domainKey`); two addresses compare by `canonicalKey`, the whole address without case (see `AddressSyntax`
/// for why the local part is compared without case too). The address itself is stored as given.
public struct MailAddress: Sendable, Hashable, Codable {
    /// The decoded display name, if any.
    public var name: String?
    /// The addr-spec, `local@domain`, as written (no angle brackets).
    public var address: String

    public init(name: String? = nil, address: String) {
        self.name = name
        self.address = address
    }

    /// An address checked against `AddressSyntax` (what the gateway stores, sends to and configures).
    public init(validating address: String, name: String? = nil) throws(AddressSyntax.Problem) {
        try AddressSyntax.check(address)
        self.init(name: name, address: address)
    }

    /// The part before the last `@`, as written; the whole address when it has no `@`.
    public var localPart: Substring { Self.split(address).localPart }

    /// The part after the last `@`, as written; nil when the address has no `@`.
    public var domain: Substring? { Self.split(address).domain }

    /// The domain in the form domains are compared and looked up by (lower-cased, as DMARC lookups take it);
    /// nil without `@`.
    public var domainKey: String? { domain?.lowercased() }

    /// The key two addresses are compared by (`MailAddress.canonicalKey(_:)`).
    public var canonicalKey: String { Self.canonicalKey(address) }

    /// The address in the form used for every comparison and lookup key (the same as `canonicalKey`).
    public var normalized: String { canonicalKey }

    /// Splits an address at its last `@` without allocating: the local part (the whole text when there is no
    /// `@`) and the domain (nil when there is no `@`). Nothing is validated.
    public static func split(_ address: some StringProtocol) -> (localPart: Substring, domain: Substring?) {
        let s = Substring(address)
        guard let at = s.lastIndex(of: "@") else { return (s, nil) }
        return (s[..<at], s[s.index(after: at)...])
    }

    /// The key two addresses are compared by: the whole address lower-cased (ASCII letters only, so the key of
    /// an address that passed `AddressSyntax.check` is the address itself in lower case; other text is kept
    /// as is).
    public static func canonicalKey(_ address: String) -> String {
        var out = Array(address.utf8)
        for i in out.indices where out[i] >= 65 && out[i] <= 90 { out[i] += 32 }
        return String(decoding: out, as: UTF8.self)
    }

    /// The key of the mailbox an address most likely reaches, for per-address limits only (never to compare or
    /// store addresses): `canonicalKey` without a `+tag` in the local part (`anne+x@` reaches `anne@` at most
    /// providers, and at Postfix's default delimiter), and without the dots Gmail ignores (`a.nne@gmail.com`).
    /// So that a cap on the answers to one address (CM-12) is not bypassed by writing it in several ways.
    public static func mailboxKey(_ address: String) -> String {
        let key = canonicalKey(address)
        let (local, domain) = split(key)
        guard let domain else { return key }
        var mailbox = local
        if let plus = mailbox.firstIndex(of: "+"), plus != mailbox.startIndex { mailbox = mailbox[..<plus] }
        if domain == "gmail.com" || domain == "googlemail.com" {
            return mailbox.filter { $0 != "." } + "@gmail.com"
        }
        return "\(mailbox)@\(domain)"
    }
}
