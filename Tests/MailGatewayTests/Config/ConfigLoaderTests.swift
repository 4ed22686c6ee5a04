import Foundation
import Testing
@testable import MailGateway
import TestSupport

@Suite("Configuration loading and validation")
struct ConfigLoaderTests {
    static let exampleURL = Corpora.repositoryRoot.appendingPathComponent("config.example.json")

    /// Every password variable the example names, set to a dummy value.
    static func exampleEnvironment() throws -> [String: String] {
        let text = try String(contentsOf: exampleURL, encoding: .utf8)
        var env: [String: String] = [:]
        let regex = try NSRegularExpression(pattern: #""password_env"\s*:\s*"([A-Z0-9_]+)""#)
        for m in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            env[String(text[Range(m.range(at: 1), in: text)!])] = "secret-value"
        }
        env["MAILGATEWAY_MODERATION_KEY"] = String(repeating: "k", count: 32)
        return env
    }

    func load(_ json: String, env: [String: String] = [:], checkSecrets: Bool = false) throws(ConfigError) -> GatewayConfig {
        let object = try! JSONSerialization.jsonObject(with: Data(json.utf8))
        return try ConfigLoader(environment: env).decode(object, file: "test.json", base: URL(fileURLWithPath: "/etc/mg"),
                                                          checkSecrets: checkSecrets)
    }

    @Test("the example configuration describes the 11 groups and the announcement address")
    func exampleLoads() throws {
        let config = try ConfigLoader(environment: Self.exampleEnvironment()).load(path: Self.exampleURL.path)
        #expect(config.lists.count == 12)
        #expect(config.lists.filter { $0.kind == .college }.map(\.college) == [.states, .research, .producers, .civilSociety, .private])
        #expect(config.lists.filter { $0.kind == .interface }.count == 4)
        #expect(config.list(id: "funders")?.posting == .members)
        #expect(config.list(id: "interface-policies")?.posting == .partners)
        #expect(config.list(id: "announce")?.posting == .moderators)
        #expect(config.list(id: "college-research")?.name.fr == "Instituts de recherche et d'enseignement")
        #expect(config.imap.tls == .tls && config.smtp.tls == .starttls)
        // relative template folder resolved against the config file's folder
        #expect(config.templatesDirectory == Corpora.repositoryRoot.appendingPathComponent("templates").path)
    }

    @Test("moderation.requests_per_hour: 10 by default, read when given, refused out of 1...10000")
    func moderationRequestsPerHour() throws {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.exampleURL)) as? [String: Any])
        let env = try Self.exampleEnvironment()
        func decode(_ object: [String: Any]) throws(ConfigError) -> GatewayConfig {
            try ConfigLoader(environment: env).decode(object, file: "test.json", base: Self.exampleURL.deletingLastPathComponent(),
                                                      checkSecrets: false)
        }
        #expect(try decode(object).moderation.requestsPerHour == 10)
        var moderation = object["moderation"] as? [String: Any] ?? [:]
        moderation["requests_per_hour"] = 250
        object["moderation"] = moderation
        #expect(try decode(object).moderation.requestsPerHour == 250)
        moderation["requests_per_hour"] = 0
        object["moderation"] = moderation
        let error = try #require(throws: ConfigError.self) { try decode(object) }
        #expect(error.problems.map(\.path) == ["$.moderation.requests_per_hour"], "\(error.problems)")
    }

    @Test("a password variable that is not set is reported with its path")
    func missingSecret() throws {
        var env = try Self.exampleEnvironment()
        env.removeValue(forKey: "MAILGATEWAY_IMAP_PASSWORD_FUNDERS")
        #expect {
            try ConfigLoader(environment: env).load(path: Self.exampleURL.path)
        } throws: { error in
            let e = error as! ConfigError
            return e.problems == [ConfigProblem(path: "$.lists[5].mailbox", reason: "password variable MAILGATEWAY_IMAP_PASSWORD_FUNDERS is not set")]
        }
    }

    @Test("roster_visibility: moderators by default, members where asked, never members for the announcement list")
    func rosterVisibility() throws {
        func json(_ kind: String, _ visibility: String?) -> String {
            let extra = visibility.map { ", \"roster_visibility\": \"\($0)\"" } ?? ""
            return """
            {"database": "db.sqlite", "imap": {"host": "imap.example.org", "port": 993, "tls": "tls", "password_env": "PW"},
             "smtp": {"host": "smtp.example.org", "port": 25, "tls": "starttls"},
             "lists": [{"id": "a", "kind": "\(kind)", "name": {"fr": "A", "en": "A"}, "address": "a@lists.example.org",
                        "language": "fr", "mailbox": {"user": "a"}\(extra)}]}
            """
        }
        #expect(try load(json("interface", nil)).lists[0].rosterVisibility == .moderators)
        #expect(try load(json("interface", "members")).lists[0].rosterVisibility == .members)
        let error = try #require(throws: ConfigError.self) { try load(json("announce", "members")) }
        #expect(error.problems.map(\.path) == ["$.lists[0].roster_visibility"], "\(error.problems)")
        #expect(try load(json("announce", "moderators")).lists[0].rosterVisibility == .moderators)
    }

    @Test("null reads as absent: a default for an optional key, a missing required object, never a type error")
    func nullIsAbsent() throws {
        func json(_ smtp: String, _ extra: String) -> String {
            """
            {"database": "db.sqlite", "web_base_url": null, "moderation": null\(extra),
             "imap": {"host": "imap.example.org", "port": 993, "tls": "tls", "password_env": "PW"}, "smtp": \(smtp),
             "lists": [{"id": "a", "kind": "interface", "name": {"fr": "A", "en": "A", "es": null},
                        "address": "a@lists.example.org", "language": "fr", "mailbox": {"user": "a", "host": null}}]}
            """
        }
        let config = try load(json(#"{"host": "smtp.example.org", "port": 25, "tls": "starttls", "user": null}"#, ""))
        #expect(config.webBaseURL == nil && config.smtp.user == nil && config.moderation == ModerationSettings())
        #expect(config.lists[0].name.es == nil && config.lists[0].mailbox.host == nil)
        let error = try #require(throws: ConfigError.self) { try load(json("null", #", "lists_extra": {}"#)) }
        #expect(error.problems.map(\.description) == ["$.smtp: missing (an object is required)", "$.lists_extra: unknown key"],
                "\(error.problems)")
    }

    @Test("every problem is reported at once, each with its JSON path")
    func everyProblem() {
        let json = """
        {"database": "db.sqlite", "colour": "blue",
         "imap": {"host": "imap.example.org", "port": 99999, "tls": "ssl"},
         "smtp": {"host": "smtp.example.org", "port": 25, "tls": "none", "password": "hunter2"},
         "lists": [
           {"id": "a", "kind": "college", "name": {"fr": "A", "en": "A"}, "address": "not-an-address", "language": "fr",
            "mailbox": {"user": "a", "password_env": "A_PW"}},
           {"id": "a", "kind": "interface", "name": {"fr": "B", "en": "B"}, "address": "b@lists.example.org", "language": "de",
            "mailbox": {"user": "b", "password_env": "B_PW"}}
         ]}
        """
        do {
            _ = try load(json)
            Issue.record("expected a ConfigError")
        } catch {
            let paths = Set(error.problems.map(\.path))
            #expect(paths == [
                "$.colour", "$.imap.port", "$.imap.tls", "$.smtp.password", "$.lists[0].college", "$.lists[0].address",
                "$.lists[1].language", "$.lists[1].id",
            ])
            #expect(error.problems.first { $0.path == "$.lists[1].id" }?.reason == "duplicate list id \"a\" (also $.lists[0])")
            #expect(error.problems.first { $0.path == "$.imap.tls" }?.reason == "\"ssl\" is not one of: none, starttls, tls")
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test("environment variables override the database and every mailbox's server")
    func overrides() throws {
        var env = try Self.exampleEnvironment()
        env["MAILGATEWAY_DATABASE"] = "/tmp/x.sqlite"
        env["MAILGATEWAY_IMAP_HOST"] = "127.0.0.1"
        env["MAILGATEWAY_IMAP_PORT"] = "10143"
        env["MAILGATEWAY_IMAP_TLS"] = "none"
        env["MAILGATEWAY_SMTP_HOST"] = "127.0.0.1"
        env["MAILGATEWAY_SMTP_PORT"] = "10025"
        let config = try ConfigLoader(environment: env).load(path: Self.exampleURL.path)
        #expect(config.database == "/tmp/x.sqlite")
        #expect(config.smtp.host == "127.0.0.1" && config.smtp.port == 10025 && config.smtp.tls == .starttls)
        for list in config.lists {
            let s = config.imapServer(for: list)
            #expect(s.host == "127.0.0.1" && s.port == 10143 && s.tls == TLSMode.none && s.user == list.mailbox.user)
        }
        env["MAILGATEWAY_IMAP_PORT"] = "http"
        #expect(throws: ConfigError.self) { try ConfigLoader(environment: env).load(path: Self.exampleURL.path) }
    }

    @Test("without secrets, the override variables are all the loader reads of the environment")
    func overrideVariablesAreAllItReads() throws {
        var env = try Self.exampleEnvironment()
        let overrides = ["MAILGATEWAY_DATABASE": "/tmp/x.sqlite", "MAILGATEWAY_TEMPLATES": "/tmp/templates",
                         "MAILGATEWAY_IMAP_HOST": "127.0.0.1", "MAILGATEWAY_IMAP_PORT": "10143", "MAILGATEWAY_IMAP_TLS": "none",
                         "MAILGATEWAY_SMTP_HOST": "127.0.0.2", "MAILGATEWAY_SMTP_PORT": "10025", "MAILGATEWAY_SMTP_TLS": "tls",
                         "MAILGATEWAY_CONFIG": Self.exampleURL.path]
        env.merge(overrides) { $1 }
        #expect(Set(ConfigLoader.overrideVariables) == Set(overrides.keys))
        let full = ConfigLoader(environment: env)
        let only = ConfigLoader(environment: env.filter { ConfigLoader.overrideVariables.contains($0.key) })
        #expect(only.resolvePath(nil) == Self.exampleURL.path)
        let expected = try full.load(path: full.resolvePath(nil), checkSecrets: false)
        #expect(try only.load(path: only.resolvePath(nil), checkSecrets: false) == expected)
        #expect(expected.database == "/tmp/x.sqlite" && expected.templatesDirectory == "/tmp/templates")
        #expect(expected.smtp.host == "127.0.0.2" && expected.smtp.tls == .tls)
    }

    @Test("the effective configuration names password variables, never their values")
    func redaction() throws {
        let env = try Self.exampleEnvironment()
        let config = try ConfigLoader(environment: env).load(path: Self.exampleURL.path)
        let data = try JSONEncoder().encode(EffectiveConfig(config))
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains("secret-value"))
        let decoded = try JSONDecoder().decode(EffectiveConfig.self, from: data)
        let research = try #require(decoded.lists.first { $0.id == "college-research" })
        #expect(research.mailbox.passwordEnv == "MAILGATEWAY_IMAP_PASSWORD_COLLEGE_RESEARCH")
        #expect(research.mailbox.host == "imap.4p1000.org" && research.mailbox.port == 993 && research.mailbox.folder == "INBOX")
    }

    @Test("secrets come from a variable or from the first line of a file")
    func secretsFromFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mg-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("pw")
        try "s3cret\nignored\n".write(to: file, atomically: true, encoding: .utf8)
        let secrets = Secrets(environment: ["PW": "from-env"])
        #expect(secrets.value(env: "PW", file: file.path) == "from-env")
        #expect(secrets.value(env: "NOPE", file: file.path) == "s3cret")
        #expect(secrets.value(env: "NOPE", file: nil) == nil)
        #expect(secrets.problem(env: "NOPE", file: nil) == "password variable NOPE is not set")
    }
}
