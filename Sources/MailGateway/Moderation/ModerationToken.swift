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
    /// The expiry in Unix seconds, exactly the digits the token carries (and the MAC signs).
    public private(set) var expirySeconds: Int64
    /// The truncated HMAC, hex.
    public var mac: String

    /// The expiry as a date.
    public var expiry: Date { Date(timeIntervalSince1970: TimeInterval(expirySeconds)) }

    /// At most this many digits in a hold id (below `Int64.max`, so the conversion cannot overflow).
    static let maxHoldIDDigits = 18
    /// At most this many digits in an expiry (year 5138: far beyond any real token, and exact as a `Double`).
    static let maxExpiryDigits = 11
    /// A token whose expiry lies further ahead than this is not one of ours (holds last at most 365 days):
    /// it is read as no token at all.
    public static let maxLifetime: TimeInterval = 366 * 86_400

    /// Why a token was refused. Carries no secret.
    public enum Failure: Error, Sendable, Equatable {
        case malformed
        case badSignature
        case expired
    }

    /// Signs a token for a hold of a list. The expiry is rounded down to the second (and kept within the
    /// digits a token may carry).
    public init(holdID: Int64, listID: String, expiry: Date, key: ModerationKey) {
        self.holdID = holdID
        self.expirySeconds = Self.seconds(expiry)
        self.mac = Self.mac(holdID: holdID, listID: listID, expirySeconds: expirySeconds, key: key)
    }

    private init(holdID: Int64, expirySeconds: Int64, mac: String) {
        self.holdID = holdID
        self.expirySeconds = expirySeconds
        self.mac = mac
    }

    /// The token text, e.g. `MOD-42-1767225600-0123456789abcdef0123456789abcdef`.
    public var description: String { "MOD-\(holdID)-\(expirySeconds)-\(mac)" }

    /// The SHA-256 (hex) stored in the hold, so the database never holds a usable token.
    public var hash: String { LowercaseHex.string(SHA256.hash(data: Data(description.utf8))) }

    /// Parses the first well-formed token found in a text (a subject or a body); nil when there is none.
    /// A token-shaped string that is malformed (digits out of bounds, an expiry more than ``maxLifetime``
    /// after `now`, a MAC of the wrong length) counts as no token. Linear in the text: each candidate is
    /// read over a bounded number of bytes.
    public static func find(in text: String, now: Date) -> ModerationToken? {
        var copy = text
        return copy.withUTF8 { u -> ModerationToken? in
            var i = 0
            while i + 4 <= u.count {
                if u[i] | 0x20 == 0x6D, u[i + 1] | 0x20 == 0x6F, u[i + 2] | 0x20 == 0x64, u[i + 3] == 0x2D,
                   let token = parse(u, from: i + 4, now: now) {
                    return token
                }
                i += 1
            }
            return nil
        }
    }

    /// Reads `<hold id>-<expiry>-<32 hex>` at `start` (just after `MOD-`): canonical decimal digits (no sign,
    /// no leading zero, at most ``maxHoldIDDigits`` / ``maxExpiryDigits``), a positive expiry at most
    /// ``maxLifetime`` after `now`, exactly 32 hex digits not followed by another hex digit. Trailing
    /// characters such as `]` are ignored. No floating point, no conversion that can trap.
    static func parse(_ u: UnsafeBufferPointer<UInt8>, from start: Int, now: Date) -> ModerationToken? {
        var i = start
        func number(maxDigits: Int) -> Int64? {
            let first = i
            var value: Int64 = 0
            while i < u.count, u[i] >= 0x30, u[i] <= 0x39 {
                guard i - first < maxDigits else { return nil }
                value = value * 10 + Int64(u[i] - 0x30)
                i += 1
            }
            guard i > first, u[first] != 0x30 else { return nil }  // at least one digit, no leading zero
            return value
        }
        guard let holdID = number(maxDigits: maxHoldIDDigits), i < u.count, u[i] == 0x2D else { return nil }
        i += 1
        guard let seconds = number(maxDigits: maxExpiryDigits), i < u.count, u[i] == 0x2D else { return nil }
        i += 1
        guard TimeInterval(seconds) <= now.timeIntervalSince1970 + maxLifetime else { return nil }
        var mac: [UInt8] = []
        mac.reserveCapacity(32)
        while i < u.count, mac.count <= 32, let digit = hexDigit(u[i]) {
            mac.append(digit)
            i += 1
        }
        guard mac.count == 32 else { return nil }
        return ModerationToken(holdID: holdID, expirySeconds: seconds, mac: String(decoding: mac, as: UTF8.self))
    }

    /// The lower-case form of a hex digit, or nil.
    private static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39, 0x61...0x66: c
        case 0x41...0x46: c | 0x20
        default: nil
        }
    }

    /// Checks the signature for this list and the expiry.
    public func verify(listID: String, key: ModerationKey, now: Date) throws(Failure) {
        let expected = Self.mac(holdID: holdID, listID: listID, expirySeconds: expirySeconds, key: key)
        // Constant-time comparison of the hex strings.
        let a = Array(expected.utf8), b = Array(mac.utf8)
        guard a.count == b.count else { throw .badSignature }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        guard diff == 0 else { throw .badSignature }
        guard now < expiry else { throw .expired }
    }

    /// The HMAC over `"<hold id>|<list id>|<expiry>"`, the numbers written as their canonical digits (the
    /// only form `parse` accepts, so they are the digits as received).
    private static func mac(holdID: Int64, listID: String, expirySeconds: Int64, key: ModerationKey) -> String {
        let message = "\(holdID)|\(listID)|\(expirySeconds)"
        let code = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: key.bytes))
        return String(LowercaseHex.string(code).prefix(32))
    }

    /// Whole seconds of a date, clamped to what a token may carry (1 ... 99,999,999,999): never traps.
    private static func seconds(_ date: Date) -> Int64 {
        let t = date.timeIntervalSince1970.rounded(.down)
        guard t.isFinite, t >= 1 else { return 1 }
        guard t < 99_999_999_999 else { return 99_999_999_999 }
        return Int64(t)
    }

}

/// The HMAC key for moderation tokens. Plain bytes so that it is `Sendable` (swift-crypto's `SymmetricKey` is
/// not, on Linux); never printed.
public struct ModerationKey: Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    /// A key from its secret text (the `MAILGATEWAY_MODERATION_KEY` environment variable, read by the caller):
    /// at least 32 bytes of UTF-8, hashed to 256 bits. nil when too short.
    public init?(secret: String) {
        guard secret.utf8.count >= Secrets.minimumKeyBytes else { return nil }
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
