import Foundation
import Testing
@testable import MailGateway
import TestSupport

@Suite("Digest configuration")
struct DigestConfigTests {
    static func decode(_ mutate: (inout [String: Any]) -> Void) throws(ConfigError) -> GatewayConfig {
        var object = try! JSONSerialization.jsonObject(with: Data(contentsOf: ConfigLoaderTests.exampleURL)) as! [String: Any]
        mutate(&object)
        return try ConfigLoader(environment: try! ConfigLoaderTests.exampleEnvironment())
            .decode(object, file: "test.json", base: ConfigLoaderTests.exampleURL.deletingLastPathComponent(),
                    checkSecrets: false)
    }

    @Test("digest.time and time_zone; the deprecated hour_utc; the defaults 07:00 UTC")
    func topLevel() throws {
        #expect(try Self.decode { _ in }.digest == DigestSettings(time: "07:00", timeZone: "Europe/Paris"))
        #expect(try Self.decode { $0["digest"] = nil }.digest == DigestSettings(time: "07:00", timeZone: "UTC"))
        #expect(try Self.decode { $0["digest"] = ["hour_utc": 6] }.digest == DigestSettings(time: "06:00", timeZone: "UTC"))
        #expect(try Self.decode { $0["digest"] = ["hour_utc": 6, "time": "08:15"] }.digest.time == "08:15")
    }

    @Test("a list's own digest time and zone; invalid values are reported with their path")
    func perList() throws {
        let config = try Self.decode { object in
            var lists = object["lists"] as! [[String: Any]]
            lists[1]["digest"] = ["time": "06:30", "time_zone": "America/Lima"]
            object["lists"] = lists
        }
        #expect(config.lists[1].digest == DigestOverride(time: "06:30", timeZone: "America/Lima"))
        #expect(config.lists[0].digest == nil)
        let error = try #require(throws: ConfigError.self) {
            try Self.decode { object in
                object["digest"] = ["time": "7h", "time_zone": "Mars/Olympus"]
                var lists = object["lists"] as! [[String: Any]]
                lists[2]["digest"] = ["time": "25:00"]
                object["lists"] = lists
            }
        }
        #expect(error.problems.map(\.path).sorted() == ["$.digest.time", "$.digest.time_zone", "$.lists[2].digest.time"],
                "\(error.problems)")
    }
}
