/// The policy a domain publishes in its DMARC record (`p=` tag, RFC 7489 §6.3).
public enum DMARCPolicy: String, Sendable, Codable, CaseIterable {
    case none, quarantine, reject

    /// True when receivers are asked to refuse or quarantine mail that fails DMARC: a list that keeps such an
    /// author's From while modifying the message would have its copies refused.
    public var isStrict: Bool { self != .none }
}

/// Answers "what DMARC policy does this domain publish?" for `FromRewrite.whenDMARC`.
/// The distribute stage does no I/O: the caller supplies the answer (a DNS resolver with a cache, or a
/// configured list of strict domains — see `strictDomains(_:)`).
public struct DMARCLookup: Sendable {
    /// The lookup itself: a lower-cased domain in, its policy out (nil when it publishes none or is unknown).
    public var policy: @Sendable (String) -> DMARCPolicy?

    /// A lookup from a closure (e.g. a cached DNS resolver).
    public init(policy: @escaping @Sendable (String) -> DMARCPolicy?) {
        self.policy = policy
    }

    /// A lookup that knows only a configured set of domains publishing `p=reject` (the big webmail providers
    /// and any partner domain the operator lists); subdomains of a listed domain count as listed
    /// (RFC 7489 §6.6.3 falls back to the organizational domain).
    public static func strictDomains(_ domains: some Sequence<String>) -> DMARCLookup {
        let set = Set(domains.map { $0.lowercased() })
        return DMARCLookup { domain in
            var candidate = domain.lowercased()
            while true {
                if set.contains(candidate) { return .reject }
                guard let dot = candidate.firstIndex(of: ".") else { return nil }
                candidate = String(candidate[candidate.index(after: dot)...])
            }
        }
    }

    /// A lookup that never knows a policy (with `whenDMARC`, nothing is rewritten).
    public static let unknown = DMARCLookup { _ in nil }
}
