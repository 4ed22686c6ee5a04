public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private Postfix `smtp-sink` on 127.0.0.1, started and stopped by `scripts/postfix.sh`, dumping each
/// mail transaction it accepts to its own file.
public final class SMTPSink: Sendable {
    /// The folder holding the dumps (`mail/`), the pid file and the log.
    public let directory: URL
    public let port: Int

    /// Starts a sink on a free port in a new temporary folder. `options` are smtp-sink fault options
    /// (e.g. `["-r", "RCPT"]`).
    public static func start(options: [String] = []) throws -> SMTPSink {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mailgateway-sink-\(UUID().uuidString.prefix(8))")
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try FreePorts.take(1)[0]
            do {
                try PostfixScript.run(["sink", "start", directory.path, String(port)] + options)
                return SMTPSink(directory: directory, port: port)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? PostfixScript.Failure(arguments: ["sink", "start"], status: -1, output: "no free port")
    }

    private init(directory: URL, port: Int) {
        self.directory = directory
        self.port = port
    }

    /// Restarts the sink on the same port and folder with other options (dumps are kept).
    public func restart(options: [String] = []) throws {
        try PostfixScript.run(["sink", "stop", directory.path])
        try PostfixScript.run(["sink", "start", directory.path, String(port)] + options)
    }

    /// Stops the sink (the folder is left for inspection; `remove()` deletes it). A paused sink is resumed first,
    /// so that it gets the SIGTERM at once instead of after the script's wait.
    public func stop() throws {
        try? resume()
        try PostfixScript.run(["sink", "stop", directory.path])
    }

    /// Freezes the sink (SIGSTOP): the kernel still accepts connections on its listening socket, but nothing is
    /// answered (no greeting, no reply to MAIL, no 250 to ".") and no dump file is opened, finished or deleted
    /// until `resume()`. A test holds a window open with it ("copies in flight", "no transaction completes from
    /// here") instead of relying on the sink's delays and the machine's speed.
    public func pause() throws {
        try signal(SIGSTOP)
    }

    /// Lets a paused sink go on (SIGCONT): it answers what it was sent meanwhile, in order.
    public func resume() throws {
        try signal(SIGCONT)
    }

    /// Sends `signal` to the sink's process (the pid `postfix.sh sink start` wrote to `sink.pid`).
    private func signal(_ signal: Int32) throws {
        let pidFile = directory.appendingPathComponent("sink.pid").path
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else {
            throw PostfixScript.Failure(arguments: ["kill", "-\(signal)"], status: -1, output: "no sink running (\(pidFile))")
        }
        guard kill(pid, signal) == 0 else {
            throw PostfixScript.Failure(arguments: ["kill", "-\(signal)", String(pid)], status: errno,
                                        output: String(cString: strerror(errno)))
        }
    }

    /// Stops the sink and deletes its folder.
    public func remove() {
        try? stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Every message dumped so far.
    /// How many transactions are dumped so far (cheap: a directory listing, for polling).
    public func count() -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("mail").path)) ?? []).count
    }

    public func dumps() throws -> [SinkDump] {
        let mail = directory.appendingPathComponent("mail")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: mail.path)) ?? []
        // smtp-sink opens a capture file at MAIL and deletes it when the transaction is refused or dropped: a
        // file listed here may be gone when read. It was no delivery; skip it.
        return try names.sorted().compactMap { name in
            let url = mail.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
            return try SinkDump(data: data)
        }
    }
}

/// One mail transaction as smtp-sink dumped it: its `X-Mail-Args` / `X-Rcpt-Args` records, then the message.
public struct SinkDump: Sendable {
    /// The MAIL FROM address (without angle brackets or parameters).
    public var envelopeFrom: String
    /// The MAIL command's arguments as received (`FROM:<a@b> BODY=8BITMIME …`).
    public var mailArgs: String
    /// The RCPT TO addresses, in order.
    public var recipients: [String]
    /// The message as received (smtp-sink's own headers removed), lines joined with "\n".
    public var message: String

    init(data: Data) throws {
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.components(separatedBy: "\n")
        var from = ""
        var mailArgs = ""
        var recipients: [String] = []
        // smtp-sink's records come first and end with its three-line Received header.
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("X-Mail-Args: ") {
                mailArgs = String(line.dropFirst("X-Mail-Args: ".count))
                from = SinkDump.address(mailArgs)
            } else if line.hasPrefix("X-Rcpt-Args: ") {
                recipients.append(SinkDump.address(String(line.dropFirst("X-Rcpt-Args: ".count))))
            } else if line.hasPrefix("Received: ") {
                index += 3
                break
            }
            index += 1
        }
        lines = Array(lines[min(index, lines.count)...])
        self.envelopeFrom = from
        self.mailArgs = mailArgs
        self.recipients = recipients
        self.message = lines.joined(separator: "\n")
    }

    /// `FROM:<a@b> SIZE=12` -> `a@b`.
    static func address(_ args: String) -> String {
        guard let open = args.firstIndex(of: "<"), let close = args[open...].firstIndex(of: ">") else {
            return args.split(separator: ":").last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? args
        }
        return String(args[args.index(after: open)..<close])
    }

    /// True when the transaction carried a message (smtp-sink also dumps transactions aborted before DATA).
    public var hasContent: Bool { !message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }

    /// The first value of header `name` in the dumped message (unfolded).
    public func header(_ name: String) -> String? {
        var value: String?
        var collecting = false
        for line in message.components(separatedBy: "\n") {
            let line = line.hasSuffix("\r") ? String(line.dropLast()) : line
            if line.isEmpty { break }
            if collecting, line.first == " " || line.first == "\t" {
                value! += " " + line.trimmingCharacters(in: .whitespaces)
                continue
            }
            if collecting { break }
            if line.lowercased().hasPrefix(name.lowercased() + ":") {
                value = line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
                collecting = true
            }
        }
        return value
    }
}

/// Runs `scripts/postfix.sh` with arguments and waits for it.
public enum PostfixScript {
    /// The script failed: its arguments, exit status and output.
    public struct Failure: Error, CustomStringConvertible {
        public var arguments: [String]
        public var status: Int32
        public var output: String
        public var description: String { "postfix.sh \(arguments.joined(separator: " ")) exited \(status): \(output)" }
    }

    public static var path: String { Corpora.repositoryRoot.appendingPathComponent("scripts/postfix.sh").path }

    /// Runs the script; throws `Failure` on a non-zero exit. Through `ChildProcess` (posix_spawn with an empty
    /// signal mask): Foundation's `Process` passes the test runner's blocked signals on, so an smtp-sink the
    /// script leaves running would ignore SIGTERM, and its `waitUntilExit` was seen hanging after the exit.
    public static func run(_ arguments: [String]) throws {
        let outcome = try ChildProcess.runBlocking("/bin/bash", [path] + arguments)
        guard outcome.status == 0 else {
            throw Failure(arguments: arguments, status: outcome.status, output: outcome.output)
        }
    }
}
