/// Variable envelope return paths: the size limits of the envelope sender of each copy.
///
/// Every copy goes out with its own `list+bounce.<token>@listdomain` (``BounceToken``, ``BounceEnvelope``): the token
/// names the outbox copy, so the member's address never appears in the envelope (BN-1). The former
/// `LIST-bounces+user=domain@` form is no longer generated; a bounce to it is still understood for 30 days through
/// the outbox's stored `envelope_from` (``BounceHandler``).
public enum VERP {
    /// RFC 5321 §4.5.3.1.1.
    public static let maxLocalPart = 64
    /// Characters of a token's MAC part (``BounceToken``'s).
    public static let macLength = 13
    /// Characters of the longest token: a copy id below 2^35 in base32 (7), a dot, the MAC (13).
    public static let tokenLength = 7 + 1 + macLength
    /// The longest list local part for which `LIST+bounce.<token>` fits in `maxLocalPart`.
    public static let maxListLocalPart = maxLocalPart - "+bounce.".utf8.count - tokenLength
}
