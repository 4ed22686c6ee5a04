public import Foundation
public import MailGateway
#if canImport(Glibc)
import Glibc
#endif

/// A private Dovecot on 127.0.0.1, started by `scripts/dovecot.sh` in its own temporary folder on ports the
/// kernel said were free: IMAP (plain + STARTTLS), IMAPS (self-signed certificate for `localhost`) and LMTP.
///
/// Call `stop()` when done (tests must not leak processes); `deinit` stops it too, as a safety net.
/// ```swift
/// let dovecot = try DovecotServer.start(users: ["alice": "secret"])
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
    /// LMTP, for delivering mail as a mail server would (`user@anything` reaches `user`).
    public let lmtpPort: Int

    /// Whether Dovecot is installed on this machine.
    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/dovecot")
    }

    /// Why Dovecot tests are skipped where it is absent.
    public static let absentMessage = "dovecot is not installed (Debian: dovecot-imapd dovecot-lmtpd): IMAP tests skipped"

    /// The self-signed certificate of the IMAPS listener (CN and SAN `localhost` only).
    public var certificatePath: String { directory.appendingPathComponent("cert.pem").path }

    /// Dovecot's log file, for diagnosing a failing test.
    public var logPath: String { directory.appendingPathComponent("dovecot.log").path }

    /// The generated configuration file (for `doveadm -c`).
    public var configPath: String { directory.appendingPathComponent("dovecot.conf").path }

    /// Starts an instance with `users` (name -> password) already added.
    public static func start(users: [String: String] = [:]) throws -> DovecotServer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mailgw-dovecot-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ports = try FreePorts.take(3)
        let server = DovecotServer(directory: directory, imapPort: ports[0], imapsPort: ports[1], lmtpPort: ports[2])
        for (user, password) in users.sorted(by: { $0.key < $1.key }) {
            try server.addUser(user, password: password)
        }
        try server.script(["start", directory.path])
        return server
    }

    private init(directory: URL, imapPort: Int, imapsPort: Int, lmtpPort: Int) {
        self.directory = directory
        self.imapPort = imapPort
        self.imapsPort = imapsPort
        self.lmtpPort = lmtpPort
    }

    deinit {
        stop()
    }

    /// Adds (or replaces) an account; Dovecot picks it up without a restart.
    public func addUser(_ user: String, password: String) throws {
        try script(["adduser", directory.path, user, password])
    }

    /// Stops the instance and removes its folder. Safe to call more than once.
    public func stop() {
        _ = try? script(["stop", directory.path])
        try? FileManager.default.removeItem(at: directory)
    }

    /// The `ServerConfig` that reaches `user`'s mailbox. `tls` picks the listener (`.tls` -> the IMAPS port);
    /// `host` may be `localhost` (matches the certificate) or `127.0.0.1` (does not).
    public func imap(user: String, tls: TLSMode = .none, host: String? = nil, caFile: String? = nil) -> ServerConfig {
        ServerConfig(host: host ?? self.host, port: tls == .tls ? imapsPort : imapPort, tls: tls, user: user,
                     caFile: caFile)
    }

    /// Sets the UIDVALIDITY of `user`'s `folder` (with `doveadm mailbox update`), as a server does after a
    /// mailbox is rebuilt: every UID a client recorded for the folder becomes void. The folder must exist.
    public func setUIDValidity(_ value: UInt32, user: String, folder: String = "INBOX") throws {
        try run("/usr/bin/doveadm", ["-c", configPath, "mailbox", "update", "--uid-validity", String(value),
                                     "-u", user, folder])
    }

    private func script(_ arguments: [String]) throws {
        let path = Corpora.repositoryRoot.appendingPathComponent("scripts/dovecot.sh").path
        var environment = ProcessInfo.processInfo.environment
        environment["IMAP_PORT"] = String(imapPort)
        environment["IMAPS_PORT"] = String(imapsPort)
        environment["LMTP_PORT"] = String(lmtpPort)
        try run("/bin/bash", [path] + arguments, environment: environment)
    }

    private func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        let outcome = try ChildProcess.run(executable, arguments, environment: environment)
        guard outcome.status == 0 else {
            throw ChildProcessError(command: ([executable] + arguments).joined(separator: " "), output: outcome.output)
        }
    }
}

/// Ports on 127.0.0.1 that the kernel reports free (bind to port 0, read the port, close).
public enum FreePorts {
    /// `count` distinct free ports. A port could in principle be taken between this call and its use.
    public static func take(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ChildProcessError(command: "socket()", output: String(cString: strerror(errno))) }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
                }
            }
            guard bound else { throw ChildProcessError(command: "bind()", output: String(cString: strerror(errno))) }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }
}
