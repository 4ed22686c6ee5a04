public import Foundation
import Crypto

/// A signed one-time moderation token: `MOD-<hold id>-<expiry, Unix seconds>-<HMAC>`, where the HMAC is
/// HMAC-SHA256 over `"<hold id>|<list id>|<expiry>"` with the moderation key, truncated to 128 bits, in lower-case
/// hex. The moderation request's subject carries it in brackets (`[MOD-42-1767225600-9f…]`), so a reply keeps it;
/// the body repeats it.
///
/// The list id is signed but not written: a token only verifies for the hold's own list. One use only: the hold
/// stores the SHA-256 of the token and leaves `pending` when it is used (`ModerationQueue`).
public struct ModerationToken: Sendable, Equatable, CustomStringConvertible {
    public var holdID: Int64
    public var expiry: Date
    /// The truncated HMAC, hex.
    public var mac: String

    /// Why a token was refused. Carries no secret.
    public enum Failure: Error, Sendable, Equatable {
        case malformed
        case badSignature
        case expired
    }

    /// Signs a token for a hold of a list.
    public init(holdID: Int64, listID: String, expiry: Date, key: ModerationKey) {
        self.holdID = holdID
        self.expiry = Date(timeIntervalSince1970: expiry.timeIntervalSince1970.rounded(.down))
        self.mac = Self.mac(holdID: holdID, listID: listID, expiry: self.expiry, key: key)
    }

    private init(holdID: Int64, expiry: Date, mac: String) {
        self.holdID = holdID
        self.expiry = expiry
        self.mac = mac
    }

    /// The token text, e.g. `MOD-42-1767225600-0123456789abcdef0123456789abcdef`.
    public var description: String { "MOD-\(holdID)-\(Int64(expiry.timeIntervalSince1970))-\(mac)" }

    /// The SHA-256 (hex) stored in the hold, so the database never holds a usable token.
    public var hash: String { Self.hex(SHA256.hash(data: Data(description.utf8))) }

    /// Parses the first token found in a text (a subject or a body); nil when there is none.
    public static func find(in text: String) -> ModerationToken? {
        var search = text[...]
        while let range = search.range(of: "MOD-", options: .caseInsensitive) {
            if let token = parse(text[range.lowerBound...]) { return token }
            search = text[range.upperBound...]
        }
        return nil
    }

    /// Parses a token at the start of `text` (trailing characters such as `]` are ignored).
    static func parse(_ text: Substring) -> ModerationToken? {
        let body = text.dropFirst(4)
        let parts = body.split(separator: "-", maxSplits: 2)
        guard parts.count == 3, let id = Int64(parts[0]), let seconds = Int64(parts[1]) else { return nil }
        let mac = parts[2].prefix { $0.isHexDigit }.lowercased()
        guard mac.count == 32 else { return nil }
        return ModerationToken(holdID: id, expiry: Date(timeIntervalSince1970: TimeInterval(seconds)), mac: mac)
    }

    /// Checks the signature for this list and the expiry.
    public func verify(listID: String, key: ModerationKey, now: Date) throws(Failure) {
        let expected = Self.mac(holdID: holdID, listID: listID, expiry: expiry, key: key)
        // Constant-time comparison of the hex strings.
        let a = Array(expected.utf8), b = Array(mac.utf8)
        guard a.count == b.count else { throw .badSignature }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        guard diff == 0 else { throw .badSignature }
        guard now < expiry else { throw .expired }
    }

    private static func mac(holdID: Int64, listID: String, expiry: Date, key: ModerationKey) -> String {
        let message = "\(holdID)|\(listID)|\(Int64(expiry.timeIntervalSince1970))"
        let code = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: key.bytes))
        return String(hex(code).prefix(32))
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The HMAC key for moderation tokens. Plain bytes so that it is `Sendable` (swift-crypto's `SymmetricKey` is
/// not, on Linux); never printed.
public struct ModerationKey: Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    /// A key from its secret text (the `MAILGATEWAY_MODERATION_KEY` environment variable, read by the caller):
    /// at least 32 bytes of UTF-8, hashed to 256 bits. nil when too short.
    public init?(secret: String) {
        guard secret.utf8.count >= 32 else { return nil }
        bytes = Array(SHA256.hash(data: Data(secret.utf8)))
    }

    /// A key from raw bytes (at least 16).
    public init?(bytes: [UInt8]) {
        guard bytes.count >= 16 else { return nil }
        self.bytes = bytes
    }

    /// Never shows the key.
    public var description: String { "ModerationKey(redacted)" }
}
