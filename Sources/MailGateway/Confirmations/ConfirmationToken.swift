public import Foundation
import Crypto

/// A one-time confirmation token (CM-4): 128 bits from the system's cryptographic generator, written as 26
/// lower-case base32 characters (RFC 4648 alphabet, no padding), so it fits a subaddress
/// (`list+confirm.<token>@`) within the 64 octets of a local part and survives case-folding MTAs only as
/// lower case. The database keeps only its SHA-256 (`hash`): a copy of the database confirms nothing.
public struct ConfirmationToken: Sendable, Equatable, CustomStringConvertible {
    /// The token text (26 characters of `a-z2-7`).
    public let description: String

    /// The base32 alphabet (RFC 4648 §6), lower case.
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
    /// Characters in a token: ceil(128 / 5).
    public static let length = 26

    /// A new random token.
    public init() {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in bytes.indices { bytes[i] = generator.next() }
        self.description = Self.base32(bytes)
    }

    /// A token read from mail (an address's detail, a `confirm <token>` line): nil unless it has the shape of one
    /// (26 base32 characters; upper case is folded, since some clients and MTAs change an address's case).
    public init?(_ text: some StringProtocol) {
        let lowered = text.lowercased()
        guard lowered.utf8.count == Self.length, lowered.utf8.allSatisfy({ Self.alphabet.contains($0) }) else { return nil }
        self.description = lowered
    }

    /// SHA-256 of the token, lower-case hex: what the database stores and looks up.
    public var hash: String {
        LowercaseHex.string(SHA256.hash(data: Data(description.utf8)))
    }

    static func base32(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
