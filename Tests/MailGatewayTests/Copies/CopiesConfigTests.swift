import Foundation
import Testing
@testable import MailGateway
import TestSupport

/// The configuration keys of issue 11's list copies: `dmarc` and a list's `reply_to`.
@Suite struct CopiesConfigTests {
    static let exampleURL = Corpora.repositoryRoot.appendingPathComponent("config.example.json")

    func decode(_ edit: (inout [String: Any]) -> Void) throws(ConfigError) -> GatewayConfig {
        var object = (try? JSONSerialization.jsonObject(with: Data(contentsOf: Self.exampleURL)) as? [String: Any]) ?? [:]
        edit(&object)
        return try ConfigLoader(environment: [:]).decode(object, file: "test.json",
                                                         base: Self.exampleURL.deletingLastPathComponent(), checkSecrets: false)
    }

    @Test func defaultsAreDNSLookupsAndRepliesToTheAuthor() throws {
        let config = try decode { _ in }
        #expect(config.dmarc == DMARCSettings(dns: true, timeoutSeconds: 2, nameserver: nil))
        #expect(config.lists.allSatisfy { $0.replyTo == .author })
    }

    @Test func dmarcAndReplyToAreRead() throws {
        let config = try decode { object in
            object["dmarc"] = ["dns": false, "timeout_seconds": 5, "nameserver": "127.0.0.1:5353"]
            var lists = object["lists"] as? [[String: Any]] ?? []
            lists[0]["reply_to"] = "list"
            object["lists"] = lists
        }
        #expect(config.dmarc == DMARCSettings(dns: false, timeoutSeconds: 5, nameserver: "127.0.0.1:5353"))
        #expect(config.lists[0].replyTo == .list)
        #expect(config.lists[1].replyTo == .author)
    }

    @Test func personalizeIsReadAndOnByDefault() throws {
        let config = try decode { object in
            var lists = object["lists"] as? [[String: Any]] ?? []
            lists[0]["personalize"] = false
            object["lists"] = lists
        }
        #expect(config.lists[0].personalize == false)
        #expect(config.lists[1].personalize == true)
        let error = try #require(throws: ConfigError.self) {
            try decode { object in
                var lists = object["lists"] as? [[String: Any]] ?? []
                lists[0]["personalize"] = "no"
                object["lists"] = lists
            }
        }
        #expect(error.problems.map(\.path).contains("$.lists[0].personalize"), "\(error.problems)")
    }

    @Test func badValuesAreNamed() throws {
        let error = try #require(throws: ConfigError.self) {
            try decode { object in
                object["dmarc"] = ["dns": "yes", "timeout_seconds": 0, "nameserver": "resolver.example", "ttl": 3]
                var lists = object["lists"] as? [[String: Any]] ?? []
                lists[0]["reply_to"] = "everyone"
                object["lists"] = lists
            }
        }
        let paths = Set(error.problems.map(\.path))
        #expect(paths.isSuperset(of: ["$.dmarc.dns", "$.dmarc.timeout_seconds", "$.dmarc.nameserver", "$.dmarc.ttl",
                                      "$.lists[0].reply_to"]), "\(error.problems)")
    }

    @Test(arguments: [("127.0.0.1", true), ("10.0.0.53:5353", true), ("::1", false), ("1.2.3", false),
                      ("1.2.3.4:0", false), ("256.1.1.1", false), ("a.b.c.d", false)])
    func nameserverSyntax(text: String, valid: Bool) {
        #expect(DMARCSettings.isNameserver(text) == valid)
    }
}
