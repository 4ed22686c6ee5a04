public import Foundation
import Crypto

/// The opaque per-copy VERP token (BN-1): every list copy goes out with envelope sender
/// `list+bounce.<token>@domain`, so a bounce names the copy (and through its outbox row the recipient, the list
/// and the message) without the member's address ever appearing in the envelope.
///
/// `token` = base32(copy id) `.` base32(first 65 bits of HMAC-SHA256(key, "bounce\n<copy id>")), lower case
/// (MTAs may fold case): at most 7 + 1 + 13 = 21 characters for ids below 2^35, so with a list local part of at
/// most `VERP.maxListLocalPart` (35) octets the local part stays within RFC 5321's 64 octets. A token whose MAC
/// does not match is forged or mistyped; the caller also checks that the copy exists, belongs to the list whose
/// mailbox received the bounce, and is at most `lifetime` old.
public struct BounceToken: Sendable, Equatable, CustomStringConvertible {
    /// The outbox copy the token names.
    public var copyID: Int64
    /// The token as written in the address.
    public var description: String

    /// Characters of the MAC part.
    public static let macLength = VERP.macLength
    /// How long a bounce to a copy's token counts (BN-1: 30 days).
    public static let lifetime: TimeInterval = 30 * 86_400

    /// The token of copy `copyID` under `key` (nil key: an unkeyed SHA-256, as without a configured secret).
    public init(copyID: Int64, key: [UInt8]?) {
        self.copyID = copyID
        self.description = "\(Self.base32(copyID)).\(Self.mac(copyID: copyID, key: key))"
    }

    /// Reads and verifies a token from an address's detail; nil when it is malformed or its MAC does not match.
    public init?(_ text: some StringProtocol, key: [UInt8]?) {
        let lowered = text.lowercased()
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let id = Self.decode32(parts[0]), id > 0 else { return nil }
        let expected = Self.mac(copyID: id, key: key)
        // Constant time: the comparison does not stop at the first difference.
        let given = Array(parts[1].utf8)
        let wanted = Array(expected.utf8)
        guard given.count == wanted.count else { return nil }
        var difference: UInt8 = 0
        for (a, b) in zip(given, wanted) { difference |= a ^ b }
        guard difference == 0 else { return nil }
        self.copyID = id
        self.description = lowered
    }

    /// The key for the tokens, derived from the gateway's secret (the moderation key's secret) with its own label.
    public static func key(secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Data("mailgateway-bounce\n\(secret)".utf8)))
    }

    static func mac(copyID: Int64, key: [UInt8]?) -> String {
        let message = Data("bounce\n\(copyID)".utf8)
        let digest: [UInt8] = if let key {
            Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
        } else {
            Array(SHA256.hash(data: message))
        }
        return String(ConfirmationToken.base32(Array(digest.prefix(9))).prefix(macLength))
    }

    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")

    /// The id in base32 digits, most significant first, no padding (`1` -> `b`).
    static func base32(_ value: Int64) -> String {
        var v = UInt64(max(0, value))
        var digits: [Character] = []
        repeat {
            digits.append(alphabet[Int(v & 31)])
            v >>= 5
        } while v > 0
        return String(digits.reversed())
    }

    static func decode32(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.count <= 12 else { return nil }
        var value: Int64 = 0
        for c in text {
            guard let digit = alphabet.firstIndex(of: c) else { return nil }
            value = value * 32 + Int64(digit)
        }
        return value
    }
}

/// How a copy's envelope sender is made once its outbox row exists: `list+bounce.<token>@domain`, the token
/// naming the row (``BounceToken``). ``Outbox/enqueue(_:listID:messageID:purpose:copies:now:)`` writes it right
/// after the insert, in the same transaction.
public struct BounceEnvelope: Sendable, Equatable {
    public var addresses: ListAddresses
    public var key: [UInt8]?

    public init(listAddress: String, key: [UInt8]?) {
        self.addresses = ListAddresses(address: listAddress)
        self.key = key
    }

    /// What the row holds until its id is known (never sent: `enqueue` replaces it in the same transaction).
    public var placeholder: String { addresses.sub("bounce") }

    /// The envelope sender of copy `copyID`.
    public func address(copyID: Int64) -> String {
        addresses.bounce(BounceToken(copyID: copyID, key: key).description)
    }
}
