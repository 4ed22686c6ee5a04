import Crypto
import Foundation
import Testing
@testable import MailGateway
import TestSupport

/// The one-click token (docs/http.md, "Token format"): bound by HMAC to one address and one list.
@Suite struct UnsubscribeKeyTests {
    let key = UnsubscribeKey(secret: "the gateway's secret")

    @Test("a token names its address (normalized) in its list, and only there")
    func roundTrip() {
        let token = key.token(list: "college-research", address: "Anne.Martin+lists@Partner.EXAMPLE")
        #expect(key.address(in: token, list: "college-research") == "anne.martin+lists@partner.example")
        #expect(key.address(in: token, list: "college-states") == nil, "another list")
        #expect(UnsubscribeKey(secret: "another secret").address(in: token, list: "college-research") == nil, "another key")
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) }, "URL-safe: \(token)")
    }

    @Test("the documented format: base64url(address) '.' first 16 bytes of HMAC-SHA256 in hex")
    func documentedFormat() throws {
        // Recomputed from the text of docs/http.md, independently of the implementation.
        let token = key.token(list: "l1", address: "a@b.example")
        let keyBytes = Array(SHA256.hash(data: Data("mailgateway-unsubscribe\nthe gateway's secret".utf8)))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("unsubscribe\nl1\na@b.example".utf8),
                                                  using: SymmetricKey(data: keyBytes))
        let hex = mac.prefix(16).map { String(format: "%02x", $0) }.joined()
        #expect(token == "YUBiLmV4YW1wbGU.\(hex)")
    }

    @Test("tampered, truncated, padded and re-addressed tokens are refused", arguments: [
        "", ".", "abc", "YUBiLmV4YW1wbGU", "YUBiLmV4YW1wbGU.", "YUBiLmV4YW1wbGU=.00", String(repeating: "A", count: 5000),
    ])
    func refused(_ token: String) {
        #expect(key.address(in: token, list: "l1") == nil)
    }

    @Test("changing any character of a valid token makes it invalid")
    func everyCharacterCounts() {
        let token = key.token(list: "l1", address: "a@b.example")
        for index in token.indices {
            let original = token[index]
            let replacement: Character = original == "0" ? "1" : "0"
            var changed = token
            changed.replaceSubrange(index...index, with: String(replacement))
            #expect(key.address(in: changed, list: "l1") == nil, "\(changed)")
        }
        // Another member's address with this member's MAC.
        let mac = token[token.lastIndex(of: ".")!...]
        let forged = Data("c@b.example".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "") + mac
        #expect(key.address(in: forged, list: "l1") == nil)
    }

    @Test("links point at the public base URL's /lists/<id>/unsubscribe")
    func links() {
        let links = OneClickLinks(baseURL: "https://lists.example.org/gw/", key: key)
        let url = links.url(list: "l1", address: "a@b.example")
        #expect(url == "https://lists.example.org/gw/lists/l1/unsubscribe?token=\(key.token(list: "l1", address: "a@b.example"))")
    }
}

@Suite struct HTTPSettingsTests {
    func load(_ http: String) throws(ConfigError) -> GatewayConfig {
        let json = """
            {"database": "a.sqlite", "imap": {"host": "h", "port": 993, "tls": "tls"},
             "smtp": {"host": "h", "port": 25, "tls": "none"}, \(http)
             "lists": [{"id": "l1", "kind": "interface", "name": {"fr": "L", "en": "L"}, "address": "l1@lists.example.org",
                        "language": "fr", "mailbox": {"user": "l1", "password_env": "P"}}]}
            """
        let object = try! JSONSerialization.jsonObject(with: Data(json.utf8))
        return try ConfigLoader(environment: [:]).decode(object, file: "t.json", base: URL(fileURLWithPath: "/etc/mg"),
                                                          checkSecrets: false)
    }

    @Test("no http object: no listener; an empty one: loopback 8025 without public URL")
    func defaults() throws {
        #expect(try load("").http == nil)
        #expect(try load(#""http": {},"#).http == HTTPSettings(host: "127.0.0.1", port: 8025, publicBaseURL: nil))
        let full = try load(#""http": {"listen": "[::1]:9000", "public_base_url": "https://lists.example.org/gw/"},"#)
        #expect(full.http == HTTPSettings(host: "::1", port: 9000, publicBaseURL: "https://lists.example.org/gw"))
    }

    @Test("a bad listen address or a non-https public URL is reported with its path", arguments: [
        (#""http": {"listen": "8025"},"#, "$.http.listen"),
        (#""http": {"listen": "127.0.0.1:99999"},"#, "$.http.listen"),
        (#""http": {"public_base_url": "http://lists.example.org"},"#, "$.http.public_base_url"),
        (#""http": {"public_base_url": "https://lists.example.org/?x=1"},"#, "$.http.public_base_url"),
        (#""http": {"port": 8025},"#, "$.http.port"),
    ])
    func refused(_ http: String, _ path: String) throws {
        let error = try #require(throws: ConfigError.self) { try load(http) }
        #expect(error.problems.map(\.path) == [path], "\(error.problems)")
    }
}
