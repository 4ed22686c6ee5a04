import Foundation
import Logging
import MailGateway
import Synchronization
import TestSupport

/// Shared bits of the IMAP integration tests.
enum IMAPTest {
    static let logger = Logger(label: "mailgateway.tests.imap")
    static let user = "alice"
    static let password = "s3cret-Pa55"

    /// A small RFC 5322 message with CRLF line ends and some 8-bit bytes, so byte-exact checks mean something.
    static func message(_ number: Int, bodyLines: Int = 3) -> [UInt8] {
        var text = "From: Ana <ana@example.org>\r\n"
            + "To: list@example.org\r\n"
            + "Subject: test message \(number)\r\n"
            + "Message-ID: <test-\(number)@example.org>\r\n"
            + "Date: Wed, 25 Nov 2026 10:00:0\(number % 10) +0000\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n"
            + "\r\n"
        for line in 0..<bodyLines {
            text += "Ligne \(line) du message \(number) : carbone organique des sols, é à ç.\r\n"
        }
        return Array(text.utf8)
    }

    /// The header section of `message(_:)` including the blank line, as `BODY[HEADER]` returns it.
    static func header(of bytes: [UInt8]) -> [UInt8] {
        let separator: [UInt8] = [13, 10, 13, 10]
        for index in 0...(bytes.count - separator.count) where Array(bytes[index..<index + 4]) == separator {
            return Array(bytes[..<(index + 4)])
        }
        return bytes
    }

    /// A started Dovecot with `alice`, and a connected client for her on the plain listener.
    static func connectedClient(_ dovecot: DovecotServer) async throws -> IMAPClient {
        let client = IMAPClient(server: dovecot.imap(user: user), timeout: .seconds(10), logger: logger)
        try await client.connect(password: password)
        return client
    }
}

/// Keeps every log record (message and metadata, rendered as text) so a test can check what was logged.
struct CapturingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        records.append("\(event.level) \(event.message) \(merged)")
    }
}

/// The captured log lines, shared between the handler's copies.
final class LogRecords: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var all: [String] { lines.withLock { $0 } }
}
