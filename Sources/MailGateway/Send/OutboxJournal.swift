import Foundation

/// One outbox worker's record, in a small append-only file beside the database, of what happened to its copies
/// since its last commit: `H <id> <attempt>` just before a copy is handed to SMTP (its attempt number, this one
/// included), `S <id>` just after the server's 250.
/// It lets the worker commit the `sent` marks of many copies in one transaction (``OutboxSender``) without widening
/// the resend window after a crash: the file is written with one `write(2)` per line, which a killed process
/// cannot undo, so at the next start ``OutboxJournal/leftBehind(databasePath:)`` tells the copies the server
/// accepted (marked sent) from the one handed and unanswered (sent again), exactly as committed marks would.
/// Like the database's commits under `synchronous = NORMAL`, the lines survive a process crash, not a power loss.
///
/// The sole owner of its file descriptor. Not `Sendable`: each worker owns its journal on its own queue.
final class OutboxJournal {
    /// The file.
    let path: String
    private let descriptor: Int32
    /// Bytes of the first line (`C <claimer>`), kept when the journal is cleared.
    private let headerLength: Int

    /// The journal files of a database are `<database>-outbox-journal-<n>` in the database's folder.
    static func prefix(databasePath: String) -> String { databasePath + "-outbox-journal-" }

    /// Creates (truncating) the journal of worker `worker` of `claimer`.
    init(databasePath: String, claimer: String, worker: Int) throws {
        let unique = UUID().uuidString.prefix(8).lowercased()
        path = Self.prefix(databasePath: databasePath) + "\(getpid())-\(worker)-\(unique)"
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw OutboxJournalError(path: path, call: "open", code: errno) }
        let header = Array("C \(claimer)\n".utf8)
        headerLength = header.count
        do {
            try append(header)
        } catch {
            close(descriptor)
            unlink(path)
            throw error
        }
    }

    // No flush here: lines still waiting are those a killed process would not have written either (the worker
    // flushes before every commit and at the end of a run).
    deinit {
        close(descriptor)
    }

    /// `S` lines not written yet: they go out in the same `write(2)` as the next `H` lines, or at ``flush()``.
    private var unwritten: [UInt8] = []

    /// Copies `jobs` (one SMTP transaction) are about to be handed to SMTP: from now on they may have been
    /// delivered. One `write(2)` for all of them and for the `S` lines waiting before them. Each line has the
    /// copy's attempt number, so that a replay counts the attempt once: a line can outlive the commit of its
    /// outcome (a kill between a commit and the journal's truncation, or between the recovery's commit and the
    /// journals' removal).
    func handed(_ jobs: [OutboxJob]) throws {
        let waiting = unwritten.count
        for job in jobs { Self.line(&unwritten, "H", job.id, job.attempts) }
        do {
            try flush()
        } catch {
            // Not handed: a later flush must not journal these copies as handed (only the `S` lines wait).
            unwritten.removeSubrange(waiting...)
            throw error
        }
    }

    /// The server accepted copy `id` (250).
    func sent(_ id: Int64) throws { try sent([id]) }

    /// The server accepted copies `ids` (250). Their lines are written with the next `H` lines (one `write(2)` per
    /// SMTP transaction instead of two), or by ``flush()``: a crash before then re-sends these copies, which is
    /// the same bound as before (the copies of one transaction per worker: those handed before the next `H` line
    /// are never more than the last transaction's), so the worker flushes before anything that can wait (a pace,
    /// the end of a run on an error, every commit: `OutboxWorker.committing`).
    func sent(_ ids: [Int64]) throws {
        for id in ids { Self.line(&unwritten, "S", id) }
    }

    /// Writes the waiting `S` lines (one `write(2)`).
    func flush() throws {
        guard !unwritten.isEmpty else { return }
        try append(unwritten)
        unwritten.removeAll(keepingCapacity: true)
    }

    /// Forgets every line but the header: call after the transaction recording them committed.
    func clear() throws {
        unwritten.removeAll(keepingCapacity: true)
        guard ftruncate(descriptor, off_t(headerLength)) == 0 else {
            throw OutboxJournalError(path: path, call: "ftruncate", code: errno)
        }
    }

    /// Appends `<kind> <id>\n`, or `<kind> <id> <attempt>\n`, to `bytes`.
    private static func line(_ bytes: inout [UInt8], _ kind: Unicode.Scalar, _ id: Int64, _ attempt: Int? = nil) {
        bytes.append(UInt8(ascii: kind))
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: String(id).utf8)
        if let attempt {
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: String(attempt).utf8)
        }
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Deletes the file: call at a clean stop, once everything it recorded is committed.
    func remove() { unlink(path) }

    private func append(_ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw OutboxJournalError(path: path, call: "write", code: written < 0 ? errno : EIO)
        }
    }

    /// What a journal left by a stopped or killed worker records.
    struct Contents: Sendable, Equatable {
        var path: String
        var claimer: String
        /// Copies handed to SMTP (whether answered or not), in order.
        var handed: [Int64]
        /// Copies the server accepted.
        var sent: [Int64]
        /// The attempt number each handed copy's line records (none in a journal written before stop 20).
        var attempts: [Int64: Int] = [:]
    }

    /// Every journal file of the database (the caller holds the process lock and has no worker running: they
    /// were all left by stopped processes or senders). Unreadable lines (none are expected: each is one write)
    /// are skipped.
    static func leftBehind(databasePath: String) -> [Contents] {
        guard !databasePath.isEmpty, databasePath != ":memory:", !databasePath.hasPrefix("file:") else { return [] }
        let prefix = Self.prefix(databasePath: databasePath)
        let folder = (prefix as NSString).deletingLastPathComponent
        let start = (prefix as NSString).lastPathComponent
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder) else {
            return []
        }
        return names.filter { $0.hasPrefix(start) }.sorted().compactMap { name in
            let path = (folder as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            var contents = Contents(path: path, claimer: "", handed: [], sent: [])
            // Only whole lines: a write cut short by the kill (at a page boundary) may leave `S 12` of `S 1234`.
            let whole = data.lastIndex(of: UInt8(ascii: "\n")).map { data[...$0] } ?? Data()
            for line in whole.split(separator: UInt8(ascii: "\n")) where line.count > 2 {
                let value = String(decoding: line.dropFirst(2), as: UTF8.self)
                switch line.first {
                case UInt8(ascii: "C"): contents.claimer = value
                case UInt8(ascii: "H"):
                    let fields = value.split(separator: " ")
                    guard let id = fields.first.flatMap({ Int64($0) }) else { break }
                    contents.handed.append(id)
                    if fields.count == 2, let attempt = Int(fields[1]) { contents.attempts[id] = attempt }
                case UInt8(ascii: "S"): if let id = Int64(value) { contents.sent.append(id) }
                default: break
                }
            }
            return contents
        }
    }
}

/// A journal file could not be written: the worker stops (its copies are recovered at the next start).
struct OutboxJournalError: Error, CustomStringConvertible {
    var path: String
    var call: String
    var code: Int32
    var description: String { "outbox journal \(path): \(call) failed: \(String(cString: strerror(code)))" }
}
