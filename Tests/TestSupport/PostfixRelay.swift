public import Foundation

/// A private Postfix instance (its own config folder, `scripts/postfix.sh relay`) listening on 127.0.0.1 and
/// relaying everything to an LMTP server on 127.0.0.1 (Dovecot, or smtp-sink in LMTP mode).
public final class PostfixRelay: Sendable {
    public let directory: URL
    public let port: Int

    /// Starts the relay on a free port, relaying to `lmtpPort`.
    public static func start(lmtpPort: Int) throws -> PostfixRelay {
        let directory = URL(fileURLWithPath: "/tmp/mailgateway-relay-\(UUID().uuidString.prefix(8))")
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = Int.random(in: 20000..<60000)
            do {
                try PostfixScript.run(["relay", "start", directory.path, String(port), String(lmtpPort)])
                return PostfixRelay(directory: directory, port: port)
            } catch {
                lastError = error
                try? PostfixScript.run(["relay", "stop", directory.path])
            }
        }
        throw lastError ?? PostfixScript.Failure(arguments: ["relay", "start"], status: -1, output: "no free port")
    }

    private init(directory: URL, port: Int) {
        self.directory = directory
        self.port = port
    }

    /// Postfix's own log (maillog_file), for diagnostics.
    public var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("log/postfix.log"), encoding: .utf8)) ?? ""
    }

    /// Stops Postfix and deletes its folder.
    public func remove() {
        try? PostfixScript.run(["relay", "stop", directory.path])
        try? FileManager.default.removeItem(at: directory)
    }
}
