import Foundation
import GRDB
@testable import MailGateway

/// Reads the shared corpora for threading tests: splits mbox(.gz) files and maildirs into raw messages and
/// extracts the threading headers. A deliberately small header reader (no MIME), so threading can be scored
/// on the real corpora independently of the MIME parser.
enum CorpusMail {
    /// Raw messages of an mboxrd file, gzip-compressed or not, in file order, read by the library's
    /// `MboxReader` (mboxrd `>From ` unescaped).
    static func mboxMessages(_ url: URL) throws -> [[UInt8]] {
        let reader = try MboxReader(url: url)
        var messages: [[UInt8]] = []
        while let message = try reader.next() { messages.append(message.raw) }
        return messages
    }

    /// Every regular file under `folder`, sorted by path.
    static func files(under folder: URL) -> [URL] {
        guard let e = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var out: [URL] = []
        for case let url as URL in e where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            out.append(url)
        }
        return out.sorted { $0.path < $1.path }
    }

    /// Unfolded header fields of a raw message.
    static func headers(_ raw: [UInt8]) -> [MessageHeader] {
        var fields: [MessageHeader] = []
        var i = 0
        var lines: [String] = []
        while i < raw.count {
            var end = i
            while end < raw.count && raw[end] != 10 { end += 1 }
            var line = String(decoding: raw[i..<end], as: UTF8.self)
            if line.hasSuffix("\r") { line.removeLast() }
            i = end + 1
            if line.isEmpty { break }
            if let first = line.first, first == " " || first == "\t", !lines.isEmpty {
                lines[lines.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)
            } else {
                lines.append(line)
            }
        }
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields.append(MessageHeader(name: String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                                        value: String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
        }
        return fields
    }

    /// The `<...>` ids in a header value, without brackets.
    static func ids(_ value: String) -> [String] {
        var out: [String] = []
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            out.append(String(rest[rest.index(after: open)..<close]).trimmingCharacters(in: .whitespaces))
            rest = rest[rest.index(after: close)...]
        }
        return out
    }

    static func date(_ value: String) -> Date? {
        var v = value
        if let paren = v.firstIndex(of: "(") { v = String(v[..<paren]) }
        v = v.trimmingCharacters(in: .whitespaces)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        for format in ["EEE, d MMM yyyy HH:mm:ss Z", "d MMM yyyy HH:mm:ss Z", "EEE, d MMM yyyy HH:mm Z",
                       "EEE, d MMM yy HH:mm:ss Z", "EEE d MMM yyyy HH:mm:ss Z"] {
            formatter.dateFormat = format
            if let d = formatter.date(from: v) { return d }
        }
        return nil
    }

    /// The threading view of a raw message; `fallbackID` when it has no Message-ID.
    static func parsed(_ raw: [UInt8], fallbackID: String) -> ParsedMessage {
        let h = headers(raw)
        func value(_ name: String) -> String? { h.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value }
        var messageID = value("Message-ID").map { ids($0).first ?? $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let synthetic = messageID.isEmpty
        if synthetic { messageID = fallbackID }
        return ParsedMessage(
            messageID: messageID, messageIDIsSynthetic: synthetic,
            inReplyTo: value("In-Reply-To").map(ids) ?? [],
            references: h.filter { $0.name.caseInsensitiveCompare("References") == .orderedSame }.flatMap { ids($0.value) },
            subject: value("Subject") ?? "", from: [], date: value("Date").flatMap(date), headers: h)
    }
}

/// A consensus oracle (`*.consensus.json[.gz]`): agreed thread and parent per Message-ID.
struct ThreadOracle {
    var thread: [String: String] = [:]
    var parent: [String: String?] = [:]
    var agreedThreadCount: Int

    init(_ url: URL) throws {
        let data = try gunzipIfNeeded(url)
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        agreedThreadCount = json["agreed_thread_count"] as? Int ?? 0
        for (mid, value) in json["messages"] as? [String: Any] ?? [:] {
            guard let entry = value as? [String: Any] else { continue }
            if let t = entry["thread"] as? String { thread[mid] = t }
            if let p = entry["parent"] {
                parent[mid] = .some(p as? String)
            }
        }
    }
}

/// A per-tool oracle (`*.notmuch.json`, `*.dovecot-references.json`...): Message-ID → index of its thread.
struct DovecotThreads {
    var thread: [String: Int] = [:]

    init(_ url: URL) throws {
        let json = try JSONSerialization.jsonObject(with: try gunzipIfNeeded(url)) as? [String: Any] ?? [:]
        for (n, t) in (json["threads"] as? [[String: Any]] ?? []).enumerated() {
            for mid in t["messages"] as? [String] ?? [] { thread[mid] = n }
        }
    }
}

func gunzipIfNeeded(_ url: URL) throws -> Data {
    guard url.pathExtension == "gz" else { return try Data(contentsOf: url) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-dc", url.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return data
}

/// How an archive's threads compare with an oracle.
struct ThreadScore: CustomStringConvertible {
    var name: String
    var keyed = 0
    /// Consensus groups whose messages the archive split over several threads.
    var splitGroups: [String] = []
    /// Consensus groups the archive put into another group's thread (merged), with the message that leads it.
    var mergedGroups: [(group: String, into: String)] = []
    var messagesPlacedExactly = 0
    var parentsCompared = 0
    var parentsAgreeing = 0
    var parentMismatches: [String] = []
    var archiveThreadCount = 0
    var oracleThreadCount = 0

    var partitionEqual: Bool { splitGroups.isEmpty && mergedGroups.isEmpty }

    var description: String {
        "\(name): threads \(archiveThreadCount) (consensus \(oracleThreadCount)), messages placed exactly "
            + "\(messagesPlacedExactly)/\(keyed), split groups \(splitGroups.count), merged groups \(mergedGroups.count), "
            + "parents \(parentsAgreeing)/\(parentsCompared)"
    }

    static func compute(name: String, pool: DatabasePool, oracle: ThreadOracle) throws -> ThreadScore {
        var score = ThreadScore(name: name)
        let mine = try pool.threadOf()
        let parents = try pool.parentOf()
        score.archiveThreadCount = Set(mine.values).count
        score.oracleThreadCount = oracle.agreedThreadCount
        var groupMembers: [String: Set<String>] = [:]
        var myMembers: [Int64: Set<String>] = [:]
        for (mid, group) in oracle.thread {
            guard let t = mine[mid] else { continue }
            score.keyed += 1
            groupMembers[group, default: []].insert(mid)
            myMembers[t, default: []].insert(mid)
        }
        for (group, members) in groupMembers.sorted(by: { $0.key < $1.key }) {
            let threads = Set(members.compactMap { mine[$0] })
            if threads.count > 1 { score.splitGroups.append(group); continue }
            let mineSet = myMembers[threads.first!]!
            if mineSet == members {
                score.messagesPlacedExactly += members.count
            } else if let leader = mineSet.map({ oracle.thread[$0]! }).min(), leader != group {
                score.mergedGroups.append((group, leader))
            }
        }
        for (mid, expected) in oracle.parent.sorted(by: { $0.key < $1.key }) {
            guard let actual = parents[mid] else { continue }
            score.parentsCompared += 1
            if actual == expected { score.parentsAgreeing += 1 } else { score.parentMismatches.append(mid) }
        }
        return score
    }
}

/// Archives raw corpus messages into `pool`, in order, one transaction, through the real parser; a message the
/// parser refuses is quarantined (as the daemon would).
func archiveCorpus(_ raws: [[UInt8]], into pool: DatabasePool, list: String = "corpus") throws {
    try pool.write { (db: Database) throws in
        for raw in raws {
            do {
                let parsed = try MessageParser.parse(raw)
                _ = try ArchiveWriter.archive(db, list: list, raw: raw, parsed: parsed,
                                              fallbackDate: Date(timeIntervalSince1970: 0), source: .import)
            } catch let error as MessageParseError {
                try ArchiveWriter.quarantine(db, list: list, raw: raw, error: error.description, source: .import)
            }
        }
    }
}

/// The threading fields of every archived message, read back from the database.
func archivedThreadingFields(_ pool: DatabasePool) throws -> [String: ParsedMessage] {
    try pool.read { (db: Database) throws -> [String: ParsedMessage] in
        var out: [String: ParsedMessage] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT message_id, in_reply_to, refs, subject, date FROM messages") {
            let irt: String? = row[1]
            out[row[0]] = ParsedMessage(messageID: row[0], inReplyTo: ThreadingEngine.split(irt ?? ""),
                                        references: ThreadingEngine.split(row[2]), subject: row[3], date: row[4])
        }
        return out
    }
}

/// Threads whose stored figures differ from a full recomputation over their accepted messages (ids).
func inconsistentThreadFigures(_ pool: DatabasePool) throws -> [Int64] {
    try pool.read { (db: Database) throws -> [Int64] in
        try Int64.fetchAll(db, sql: """
            SELECT t.id FROM threads t WHERE
                t.message_count != (SELECT count(*) FROM messages WHERE thread_id = t.id AND status = 'accepted')
             OR t.participant_count != (SELECT count(DISTINCT lower(from_address)) FROM messages
                                        WHERE thread_id = t.id AND status = 'accepted' AND from_address IS NOT NULL)
             OR t.first_date IS NOT (SELECT min(date) FROM messages WHERE thread_id = t.id AND status = 'accepted')
             OR t.last_date IS NOT (SELECT max(date) FROM messages WHERE thread_id = t.id AND status = 'accepted')
             OR t.root_message IS NOT (SELECT id FROM messages WHERE thread_id = t.id AND status = 'accepted'
                                       ORDER BY parent IS NOT NULL, date, id LIMIT 1)
             OR t.subject IS NOT (SELECT subject FROM messages WHERE id = t.root_message)
            """)
    }
}
