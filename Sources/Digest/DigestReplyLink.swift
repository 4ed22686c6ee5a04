internal import Foundation
import MailGateway

/// The "Reply" and "get" links of a digest item: an RFC 6068 `mailto:` to the list, with the reply's Subject, In-Reply-To
/// and References, so that a reply from the digest lands in the post's thread.
enum DigestReplyLink {
    /// At most this many References ids are carried (the most recent), the post's own id last.
    static let maxReferences = 10

    static func mailto(listAddress: String, subject: String, messageID: String, references: [String]) -> String {
        let reply = subject.range(of: "re:", options: [.caseInsensitive, .anchored]) == nil ? "Re: \(subject)" : subject
        let refs = (references.filter { $0 != messageID }.suffix(maxReferences - 1) + [messageID]).map { "<\($0)>" }
        return "mailto:\(encode(listAddress, keeping: addressCharacters))"
            + "?subject=\(encode(reply, keeping: unreserved))"
            + "&In-Reply-To=\(encode("<\(messageID)>", keeping: unreserved))"
            + "&References=\(encode(refs.joined(separator: " "), keeping: unreserved))"
    }

    /// The "get" link of an item (DG-12): `mailto:list+get.<row>@domain?subject=get`. The gateway answers it with
    /// the archived post itself (its own Message-ID and References), for clients that ignore In-Reply-To.
    static func get(listAddress: String, messageRowID: Int64) -> String {
        "mailto:\(encode(ListAddresses(address: listAddress).get(messageRowID), keeping: addressCharacters))?subject=get"
    }

    /// RFC 3986 unreserved characters: everything else in a header value is percent-encoded (RFC 6068 §2,
    /// UTF-8 then `%XX`).
    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
    /// An addr-spec keeps its `@` (RFC 6068 §2: `addr-spec` with `%`, `/`, `?`, `#`... encoded).
    private static let addressCharacters = unreserved.union("@!$'*+=".utf8)

    private static func encode(_ text: String, keeping allowed: Set<UInt8>) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            if allowed.contains(byte) {
                out.append(byte)
            } else {
                out += [37, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
