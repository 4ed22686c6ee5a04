public import Foundation
public import MailGateway
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A private Dovecot on 127.0.0.1, started by `scripts/dovecot.sh` in its own temporary folder on ports the
/// kernel said were free: IMAP (plain + STARTTLS), IMAPS (self-signed certificate for `localhost`) and LMTP.
///
/// Call `stop()` when done (tests must not leak processes); `deinit` stops it too, as a safety net.
/// ```swift
/// let dovecot = try await DovecotServer.start(users: ["alice": "secret"])
/// defer { dovecot.stop() }
/// let client = IMAPClient(server: dovecot.imap(user: "alice"), logger: logger)
/// ```
public final class DovecotServer: Sendable {
    /// The instance's folder: `dovecot.conf`, `users`, `cert.pem`, `dovecot.log`, `mail/<user>/Maildir`.
    public let directory: URL
    /// Always `127.0.0.1`.
    public let host = "127.0.0.1"
    /// Plain IMAP (STARTTLS offered).
    public let imapPort: Int
    /// IMAP over TLS, with the self-signed certificate at `certificatePath`.
    public let imapsPort: Int
    /// LMTP, for delivering mail as a mail server would (`user@anything` and `user+detail@anything` reach
    /// `user`'s INBOX, `Delivered-To:` naming the address as sent).
    public let lmtpPort: Int

    /// Whether Dovecot is installed on this machine.
    public static var installed: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/dovecot")
    }

    /// Whether the Dovecot tests run: where it is installed, and always under `MAILGATEWAY_REQUIRE_INTEGRATION=1`
    /// (CI), where a missing Dovecot then fails those tests instead of skipping them.
    public static var available: Bool { installed || IntegrationRequirement.required }

    /// Why Dovecot tests are skipped where it is absent.
    public static let absentMessage = "dovecot is not installed (Debian: dovecot-imapd dovecot-lmtpd): IMAP tests skipped"

    /// The certificate of the IMAPS listener (CN and SAN `localhost` only; self-signed unless `privateCA`).
    public var certificatePath: String { directory.appendingPathComponent("cert.pem").path }

    /// The test CA that signed the certificate when started with `privateCA: true`.
    public var caCertificatePath: String { directory.appendingPathComponent("ca.pem").path }

    /// Dovecot's log file, for diagnosing a failing test.
    public var logPath: String { directory.appendingPathComponent("dovecot.log").path }

    /// The generated configuration file (for `doveadm -c`).
    public var configPath: String { directory.appendingPathComponent("dovecot.conf").path }

    /// Starts an instance with `users` (name -> password) already added. `capabilities`, when given, replaces
    /// what Dovecot announces after login (e.g. `"IMAP4rev1 IDLE"`: no MOVE, no UIDPLUS), to test fallbacks.
    /// With `privateCA`, the IMAPS certificate is signed by a test CA (`caCertificatePath`) instead of being
    /// self-signed.
    public static func start(users: [String: String] = [:], capabilities: String? = nil,
                             privateCA: Bool = false) async throws -> DovecotServer
    {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mailgw-dovecot-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        sweepLeftovers()
        // A port found free can be taken before Dovecot binds it (parallel tests): try again with new ones.
        var attempt = 0
        while true {
            attempt += 1
            let ports = try FreePorts.take(3)
            let server = DovecotServer(directory: directory, imapPort: ports[0], imapsPort: ports[1],
                                       lmtpPort: ports[2], capabilities: capabilities, privateCA: privateCA)
            do {
                for (user, password) in users.sorted(by: { $0.key < $1.key }) {
                    try await server.addUser(user, password: password)
                }
                try await server.script(["start", directory.path])
                return server
            } catch let error as ChildProcessError where attempt < 5 && error.output.contains("Address already in use") {
                server.forget()
                continue
            }
        }
    }

    private let capabilities: String?
    private let privateCA: Bool

    private init(directory: URL, imapPort: Int, imapsPort: Int, lmtpPort: Int, capabilities: String?,
                 privateCA: Bool) {
        self.capabilities = capabilities
        self.privateCA = privateCA
        self.directory = directory
        self.imapPort = imapPort
        self.imapsPort = imapsPort
        self.lmtpPort = lmtpPort
    }

    deinit {
        if !forgotten.withLock({ $0 }) { stop() }
    }

    /// Set on an instance that failed to start and whose folder is reused by the next attempt.
    private let forgotten = Mutex(false)

    private func forget() {
        forgotten.withLock { $0 = true }
        _ = try? ChildProcess.runBlocking("/bin/bash", [Self.scriptPath, "stop", directory.path])
    }

    /// Adds (or replaces) an account; Dovecot picks it up without a restart.
    public func addUser(_ user: String, password: String) async throws {
        try await script(["adduser", directory.path, user, password])
    }

    /// Makes `name@any.domain` (and `name+detail@`) land in `user`'s INBOX, with `Delivered-To:` keeping the
    /// address as sent: how `list-request@`, `list-owner@`, `list-bounces+x@` reach a list's mailbox (docs/mta.md).
    /// An alias has no password (no IMAP login). Dovecot picks it up without a restart.
    public func addAlias(_ name: String, to user: String) async throws {
        try await script(["alias", directory.path, name, user])
    }

    /// Stops the instance: Dovecot gets SIGTERM and its folder is removed at once; a background thread makes
    /// sure it exits (SIGKILL after 5 s; it usually takes about 2 s to shut down here). So `stop()` returns
    /// quickly and can sit in a `defer` without holding a thread of the cooperative pool. Safe to call twice.
    public func stop() {
        guard !stopped.withLock({ stopped in defer { stopped = true }; return stopped }) else { return }
        let pidFile = directory.appendingPathComponent("dovecot.pid").path
        let configPath = self.configPath
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
           let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1,
           Self.isOurDovecot(pid, configPath: configPath) {
            kill(pid, SIGTERM)
            let directory = self.directory
            let thread = Thread {
                for _ in 0..<100 where Self.isOurDovecot(pid, configPath: configPath) {
                    usleep(50_000)
                }
                if Self.isOurDovecot(pid, configPath: configPath) { kill(pid, SIGKILL) }
                // Dovecot writes its log and sockets while shutting down: remove what it left.
                try? FileManager.default.removeItem(at: directory)
            }
            thread.start()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Removes what earlier runs' `stop()` could not: a test process may exit before Dovecot has finished
    /// shutting down and writing into its half-removed folder. Only folders that lost their configuration or
    /// users file (so `stop()` ran) and that nobody touched for a minute are removed.
    private static func sweepLeftovers() {
        let fileManager = FileManager.default
        let temporary = fileManager.temporaryDirectory
        guard let names = try? fileManager.contentsOfDirectory(atPath: temporary.path) else { return }
        for name in names where name.hasPrefix("mailgw-dovecot-") {
            let folder = temporary.appendingPathComponent(name)
            let complete = fileManager.fileExists(atPath: folder.appendingPathComponent("dovecot.conf").path)
                && fileManager.fileExists(atPath: folder.appendingPathComponent("users").path)
            guard !complete,
                  let modified = (try? fileManager.attributesOfItem(atPath: folder.path))?[.modificationDate] as? Date,
                  modified < Date().addingTimeInterval(-60) else { continue }
            try? fileManager.removeItem(at: folder)
        }
    }

    /// Whether `pid` is still this instance's Dovecot master (not a zombie, not a reused pid).
    private static func isOurDovecot(_ pid: pid_t, configPath: String) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              !status.contains("State:\tZ"),
              let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: commandLine, as: UTF8.self).contains(configPath)
    }

    private let stopped = Mutex(false)

    /// The `ServerConfig` that reaches `user`'s mailbox. `tls` picks the listener (`.tls` -> the IMAPS port);
    /// `host` may be `localhost` (matches the certificate) or `127.0.0.1` (does not).
    public func imap(user: String, tls: TLSMode = .none, host: String? = nil, caFile: String? = nil) -> ServerConfig {
        ServerConfig(host: host ?? self.host, port: tls == .tls ? imapsPort : imapPort, tls: tls, user: user,
                     caFile: caFile)
    }

    /// Sets the UIDVALIDITY of `user`'s `folder` (with `doveadm mailbox update`), as a server does after a
    /// mailbox is rebuilt: every UID a client recorded for the folder becomes void. The folder must exist.
    public func setUIDValidity(_ value: UInt32, user: String, folder: String = "INBOX") async throws {
        try await run("/usr/bin/doveadm", ["-c", configPath, "mailbox", "update", "--uid-validity", String(value),
                                     "-u", user, folder])
    }

    private static var scriptPath: String {
        Corpora.repositoryRoot.appendingPathComponent("scripts/dovecot.sh").path
    }

    private func script(_ arguments: [String]) async throws {
        let path = Self.scriptPath
        var environment = ProcessInfo.processInfo.environment
        environment["IMAP_PORT"] = String(imapPort)
        environment["IMAPS_PORT"] = String(imapsPort)
        environment["LMTP_PORT"] = String(lmtpPort)
        environment["IMAP_CAPABILITY"] = capabilities
        environment["CERT_ISSUER"] = privateCA ? "ca" : "self"
        try await run("/bin/bash", [path] + arguments, environment: environment)
    }

    private func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws {
        let outcome = try await ChildProcess.run(executable, arguments, environment: environment)
        guard outcome.status == 0 else {
            throw ChildProcessError(command: ([executable] + arguments).joined(separator: " "), output: outcome.output)
        }
    }
}
