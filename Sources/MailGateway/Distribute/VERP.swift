import Crypto
import Foundation

/// Variable envelope return paths: the envelope sender of each copy names its recipient, so a bounce
/// (sent to that address) tells which member it concerns even when the DSN is unreadable.
///
/// Two forms, both within RFC 5321's 64-octet local part:
/// - `LIST-bounces+user=domain@listdomain` (as Mailman does) when it fits in 64 octets;
/// - otherwise `LIST-bounces+<tag>@listdomain`, `tag` being 20 hex digits of an HMAC-SHA256 of the list
///   address and the recipient's canonical key (`MailAddress.normalized`), or of a plain SHA-256 without a key.
///   The tag is opaque: a bounce to it is mapped back through the outbox, which stores each copy's
///   `envelope_from` (`SELECT … FROM outbox WHERE envelope_from = ?`).
/// The list's own local part is at most `maxListLocalPart` octets (checked by the configuration), so the tag form
/// always fits.
public enum VERP {
    /// RFC 5321 §4.5.3.1.1.
    public static let maxLocalPart = 64
    /// Hex digits of the tag.
    public static let tagLength = 20
    /// The longest list local part for which `LIST-bounces+<tag>` fits in `maxLocalPart`.
    public static let maxListLocalPart = maxLocalPart - "-bounces+".utf8.count - tagLength

    /// The envelope sender (MAIL FROM) for the copy of `listAddress`'s post sent to `recipient`.
    /// - Parameter tagKey: the key for the tag form (the gateway's, derived from its moderation secret).
    public static func envelopeSender(listAddress: String, recipient: String, tagKey: [UInt8]? = nil) -> String {
        let (listLocal, listDomain) = split(listAddress)
        let (userLocal, userDomain) = split(recipient)
        let local = "\(listLocal)-bounces+\(userLocal)=\(userDomain)"
        if local.utf8.count <= maxLocalPart, AddressSyntax.isValid("\(local)@\(listDomain)") {
            return "\(local)@\(listDomain)"
        }
        return "\(listLocal)-bounces+\(tag(listAddress: listAddress, recipient: recipient, key: tagKey))@\(listDomain)"
    }

    /// The opaque tag naming `recipient` for `listAddress`: lower-case hex, `tagLength` digits.
    public static func tag(listAddress: String, recipient: String, key: [UInt8]?) -> String {
        let message = Data("verp\n\(AddressSyntax.canonicalKey(listAddress))\n\(AddressSyntax.canonicalKey(recipient))".utf8)
        let digest: [UInt8] = if let key {
            Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
        } else {
            Array(SHA256.hash(data: message))
        }
        return String(digest.prefix(tagLength / 2).map { String(format: "%02x", $0) }.joined())
    }

    /// The recipient encoded in a VERP address of `listAddress`, or nil when `address` is not one (or is the
    /// tag form, which only the outbox can map back).
    /// The list part compares case-insensitively; the recipient's local part is returned as written.
    public static func recipient(fromBounceAddress address: String, listAddress: String) -> String? {
        let (listLocal, listDomain) = split(listAddress)
        let (local, domain) = split(address)
        guard domain.lowercased() == listDomain.lowercased() else { return nil }
        let prefix = "\(listLocal)-bounces+"
        guard local.count > prefix.count, local.lowercased().hasPrefix(prefix.lowercased()) else { return nil }
        let encoded = local.dropFirst(prefix.count)
        // A domain never contains '=', so the last '=' separates the recipient's local part from its domain.
        guard let eq = encoded.lastIndex(of: "="), eq != encoded.startIndex else { return nil }
        let userDomain = encoded[encoded.index(after: eq)...]
        guard !userDomain.isEmpty else { return nil }
        return "\(encoded[..<eq])@\(userDomain)"
    }

    private static func split(_ address: String) -> (String, String) {
        let parts = MailAddress.split(address)
        return (String(parts.localPart), parts.domain.map(String.init) ?? "")
    }
}
