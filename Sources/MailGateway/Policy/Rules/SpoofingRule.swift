/// When a trusted `authserv-id` is configured, holds a post whose trusted Authentication-Results (RFC 8601)
/// show DMARC fail, or show neither a DKIM pass with `header.d` (or `header.i`) aligned with the From domain nor
/// an SPF pass with `smtp.mailfrom` aligned with it (relaxed alignment, `DomainAlignment`). Only header fields
/// whose authserv-id equals the trusted one and that sit above the first `Received` field (the ones the border
/// MTA added) are read: any other (a forged one added by the sender or an untrusted relay) is ignored
/// (RFC 8601 §5). A message with no trusted header at all is held too: the
/// receiving server evaluates every message it accepts. No notice is sent: the From address is not proven.
public struct SpoofingRule: PolicyRule {
    public let name = "spoofing"
    /// Creates the rule.
    public init() {}

    public func evaluate(_ context: PostContext) -> RuleHit? {
        switch Self.authentication(of: context) {
        case .noTrustedAuthserv, .alignedPass: return nil
        case .dmarcFail: return RuleHit(.hold, .dmarcFail)
        case .notAuthenticated: return RuleHit(.hold, .notAuthenticated)
        }
    }

    /// What the trusted Authentication-Results say of the From: the check `evaluate` holds on, shared with the
    /// announcement gate (AN-2, issue 9) that needs to know whether a poster's From is proven.
    public enum Authentication: Sendable, Equatable {
        /// No trusted authserv-id is configured, or the post has no From: nothing can be proven.
        case noTrustedAuthserv
        /// A trusted DMARC fail.
        case dmarcFail
        /// A trusted DMARC pass, or a DKIM / SPF pass aligned with the From domain.
        case alignedPass
        /// Neither: no trusted header, or no aligned pass in it.
        case notAuthenticated
    }

    /// Reads the trusted Authentication-Results of the post (see the type's comment for which ones count).
    /// With `strictDMARC` (the announcement gate, AN-2 (a)), only a trusted `dmarc=pass` whose `header.from` is the
    /// From's domain counts as proof: DKIM and SPF alignment, judged here with a built-in list of public suffixes
    /// rather than the full Public Suffix List the border MTA's DMARC module uses, do not.
    public static func authentication(of context: PostContext, strictDMARC: Bool = false) -> Authentication {
        guard let trusted = context.trustedAuthservID, let author = context.author else { return .noTrustedAuthserv }
        let fromDomain = HeaderScan.domain(of: author.address)
        var alignedPass = false
        var dmarcFail = false
        var dmarcPass = false
        for header in context.message.headers {
            // Only the fields above the first Received were added by the border MTA: anything below came with
            // the message, whatever authserv-id it names.
            if HeaderScan.equalsIgnoringCase(header.name, "Received") { break }
            guard HeaderScan.equalsIgnoringCase(header.name, "Authentication-Results") else { continue }
            // Cheap pre-check before parsing: the value must start with the trusted id.
            let trimmed = header.value.drop { $0 == " " || $0 == "\t" }
            guard HeaderScan.hasPrefixIgnoringCase(trimmed, trusted),
                  let ar = AuthenticationResults(header.value), ar.authservID == trusted else { continue }
            for result in ar.results {
                switch result.method {
                case "dmarc":
                    if result.result == "fail" { dmarcFail = true }
                    if result.result == "pass" {
                        let headerFrom = result.properties["header.from"]
                        if strictDMARC {
                            if let headerFrom, headerFrom.lowercased() == fromDomain.lowercased() { dmarcPass = true }
                        } else if headerFrom.map({ DomainAlignment.aligned($0, fromDomain) }) ?? true {
                            dmarcPass = true
                        }
                    }
                case "dkim":
                    guard result.result == "pass" else { continue }
                    let signer = result.properties["header.d"]
                        ?? result.properties["header.i"].map { String(HeaderScan.domain(of: $0)) }
                    if let signer, DomainAlignment.aligned(signer, fromDomain) { alignedPass = true }
                case "spf":
                    guard result.result == "pass", let mailFrom = result.properties["smtp.mailfrom"] else { continue }
                    if DomainAlignment.aligned(HeaderScan.domain(of: mailFrom), fromDomain) { alignedPass = true }
                default:
                    continue
                }
            }
        }
        if dmarcFail { return .dmarcFail }
        if dmarcPass || (alignedPass && !strictDMARC) { return .alignedPass }
        return .notAuthenticated
    }
}
