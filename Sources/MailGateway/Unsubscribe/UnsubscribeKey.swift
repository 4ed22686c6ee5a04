public import Foundation
import Crypto

/// The key of the one-click unsubscribe tokens (RFC 8058), derived from the gateway's secret (the moderation key's
/// environment variable or file, never the JSON configuration): `SHA-256("mailgateway-unsubscribe\n" + secret)`.
/// The same bytes key the opaque VERP tag (`VERP.tag`, another HMAC message).
///
/// A token names one address in one list and is bound to both by an HMAC (docs/http.md, "Token format"):
/// `base64url(address) "." hex(HMAC-SHA256(key, "unsubscribe\n" + list id + "\n" + address)[0..<16])`, where
/// `address` is the member's address in its comparison form (`MailAddress.normalized`: ASCII letters in lower
/// case) and base64url has no padding (RFC 4648 §5). It carries no expiry: a link in an old copy keeps working, as
/// Gmail and Yahoo expect of List-Unsubscribe.
public struct UnsubscribeKey: Sendable, Equatable {
    /// The 32 key bytes.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// The key derived from the gateway's secret.
    public init(secret: String) {
        self.bytes = Array(SHA256.hash(data: Data("mailgateway-unsubscribe\n\(secret)".utf8)))
    }

    /// Longest token `address(in:list:)` reads (an address is at most 254 octets: 340 base64 characters).
    public static let maxTokenLength = 400

    /// The token naming `address` in list `list`.
    public func token(list: String, address: String) -> String {
        let normalized = MailAddress(address: address).normalized
        let addressPart = Data(normalized.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "\(addressPart).\(LowercaseHex.string(mac(list: list, normalized: normalized)))"
    }

    /// The address (normalized) a token names, when the token is one this key made for `list`; nil for a
    /// malformed, tampered or foreign token (made for another list or with another key).
    public func address(in token: String, list: String) -> String? {
        guard token.utf8.count <= Self.maxTokenLength, let dot = token.lastIndex(of: ".") else { return nil }
        var base64 = token[..<dot].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let address = String(data: data, encoding: .utf8),
              MailAddress(address: address).normalized == address else { return nil }
        let expected = Array(LowercaseHex.string(mac(list: list, normalized: address)).utf8)
        let given = Array(token[token.index(after: dot)...].utf8)
        guard expected.count == given.count else { return nil }
        var diff: UInt8 = 0
        for i in 0..<expected.count { diff |= expected[i] ^ given[i] }
        return diff == 0 ? address : nil
    }

    /// The first 128 bits of the HMAC.
    private func mac(list: String, normalized: String) -> [UInt8] {
        let code = HMAC<SHA256>.authenticationCode(for: Data("unsubscribe\n\(list)\n\(normalized)".utf8),
                                                   using: SymmetricKey(data: bytes))
        return Array(code.prefix(16))
    }

}

/// Where one-click unsubscribe links point (`http.public_base_url`), and the key that signs them: present only
/// when the HTTP listener is configured with a public base URL and the gateway has its secret, so that copies
/// advertise only what works (CM-13).
public struct OneClickLinks: Sendable, Equatable {
    /// `https://…`, no trailing slash.
    public let baseURL: String
    public let key: UnsubscribeKey

    public init(baseURL: String, key: UnsubscribeKey) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.key = key
    }

    /// The path the listener serves for a list (`/lists/<id>/unsubscribe`).
    public static func path(list: String) -> String { "/lists/\(list)/unsubscribe" }

    /// The link of `address` in `list`: `<base>/lists/<id>/unsubscribe?token=<token>`.
    public func url(list: String, address: String) -> String {
        let token = key.token(list: list, address: address)
        let escaped = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["-", "_", "."])) ?? token
        return "\(baseURL)\(Self.path(list: list))?token=\(escaped)"
    }
}
