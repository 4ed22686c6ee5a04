import Foundation
import Testing
import TestSupport

/// deploy/mailgateway.service: the hardening the deployment guide promises, and `systemd-analyze verify` clean
/// (scripts/verify-systemd-unit.sh).
@Suite struct SystemdUnitTests {
    static let unit = Corpora.repositoryRoot.appendingPathComponent("deploy/mailgateway.service")
    static var analyzer: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") }

    /// `Key=value` lines of the unit, in order.
    func directives() throws -> [(String, String)] {
        try String(contentsOf: Self.unit, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<eq]), String(line[line.index(after: eq)...]))
        }
    }

    @Test("the unit runs as a dedicated user, read-only system, private /tmp, no home, 0600 files, secrets from a file")
    func hardening() throws {
        let d = try directives()
        func value(_ key: String) -> [String] { d.filter { $0.0 == key }.map(\.1) }
        #expect(value("User") == ["mailgateway"] && value("DynamicUser") == ["yes"])
        #expect(value("NoNewPrivileges") == ["yes"])
        #expect(value("ProtectSystem") == ["strict"])
        #expect(value("ReadWritePaths") == ["/var/lib/mailgateway"])
        #expect(value("StateDirectory") == ["mailgateway"] && value("StateDirectoryMode") == ["0700"])
        #expect(value("UMask") == ["0077"], "the database and its WAL are created 0600")
        #expect(value("ProtectHome") == ["yes"] && value("PrivateTmp") == ["yes"])
        #expect(value("RestrictAddressFamilies") == ["AF_INET AF_INET6 AF_UNIX"])
        #expect(value("CapabilityBoundingSet") == [""])
        #expect(value("EnvironmentFile") == ["/etc/mailgateway/secrets.env"])
        #expect(value("ExecStart") == ["/usr/local/bin/mailgateway run --config /etc/mailgateway/config.json"])
        #expect(value("KillSignal") == ["SIGTERM"])
        #expect(!d.contains { $0.1.contains("PASSWORD=") || $0.1.contains("KEY=") }, "no secret in the unit")
    }

    @Test("systemd-analyze verify finds nothing", .enabled(if: analyzer || IntegrationRequirement.required,
                                                          "systemd-analyze is not installed"))
    func verify() async throws {
        let script = Corpora.repositoryRoot.appendingPathComponent("scripts/verify-systemd-unit.sh").path
        let outcome = try await ChildProcess.run("/bin/bash", [script, "/bin/true"])
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("verify-systemd-unit: ok"))
    }
}
