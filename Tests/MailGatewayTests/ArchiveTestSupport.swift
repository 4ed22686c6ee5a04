import Foundation
import GRDB
@testable import MailGateway

/// A fresh archive database in its own temporary folder, removed when the value goes away.
final class TemporaryArchive {
    let folder: URL
    let database: GatewayStore

    init() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("archive-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        database = try GatewayStore(path: folder.appendingPathComponent("archive.sqlite").path)
    }

    var pool: DatabasePool { database.pool }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }
}

/// Builds a message by hand: raw bytes made from the headers, parsed fields filled in.
func makeMessage(
    _ id: String, subject: String = "subject", from: String = "alice@example.org", name: String? = "Alice",
    date: Date = Date(timeIntervalSince1970: 1_700_000_000), inReplyTo: [String] = [], references: [String] = [],
    text: String = "body", attachments: [ParsedAttachment] = []
) -> (raw: [UInt8], parsed: ParsedMessage) {
    var raw = "Message-ID: <\(id)>\r\nSubject: \(subject)\r\nFrom: \(from)\r\n"
    if !inReplyTo.isEmpty { raw += "In-Reply-To: " + inReplyTo.map { "<\($0)>" }.joined(separator: " ") + "\r\n" }
    if !references.isEmpty { raw += "References: " + references.map { "<\($0)>" }.joined(separator: " ") + "\r\n" }
    raw += "\r\n\(text)\r\n"
    let parsed = ParsedMessage(
        messageID: id, inReplyTo: inReplyTo, references: references, subject: subject,
        from: [MailAddress(name: name, address: from)], date: date, text: text, attachments: attachments)
    return (Array(raw.utf8), parsed)
}

extension DatabasePool {
    /// Archives hand-made messages in one transaction and returns the results.
    @discardableResult
    func archive(_ messages: [(raw: [UInt8], parsed: ParsedMessage)], list: String = "test-list",
                 status: ArchiveStatus = .accepted) throws -> [ArchiveInsertResult] {
        try write { db in
            try messages.map {
                try ArchiveWriter.archive(db, list: list, raw: $0.raw, parsed: $0.parsed, fallbackDate: nil,
                                          status: status, source: .import)
            }
        }
    }

    /// Message-ID → thread id.
    func threadOf() throws -> [String: Int64] {
        try read { db in
            var out: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT message_id, thread_id FROM messages") {
                out[row[0]] = row[1]
            }
            return out
        }
    }

    /// Message-ID → parent's Message-ID (nil for roots).
    func parentOf() throws -> [String: String?] {
        try read { db in
            var out: [String: String?] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT m.message_id, p.message_id FROM messages m LEFT JOIN messages p ON p.id = m.parent
                """) {
                out[row[0]] = .some(row[1])
            }
            return out
        }
    }
}

extension ArchiveInsertResult {
    var threadID: Int64? {
        if case .inserted(_, let thread) = self { return thread }
        return nil
    }
    var rowID: Int64 {
        switch self {
        case .inserted(let row, _): row
        case .duplicate(let row): row
        }
    }
}
