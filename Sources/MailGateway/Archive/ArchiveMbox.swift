public import Foundation
public import GRDB
public import Logging

/// Progress of an mbox import, reported after each committed batch.
public struct ArchiveImportProgress: Sendable, Codable, Hashable {
    /// Messages read from the file so far.
    public var messages: Int
    /// Raw message bytes read so far (without the mbox separator lines).
    public var bytes: Int
    /// Of those, messages newly archived, already present, and quarantined.
    public var inserted: Int
    /// Messages already in the list.
    public var duplicates: Int
    /// Quarantined messages.
    public var quarantined: Int
}

/// Imports mbox files into the archive and exports a list as mboxrd.
///
/// Both block on file and database I/O: call them from a dedicated thread (the CLI's main thread, or a
/// `Thread`), never from the cooperative pool.
public enum ArchiveMbox {
    /// Streams `url` (mboxrd or mboxo, optionally `.gz`) into `list`: each message is parsed and archived with
    /// status `accepted` and source `import`, `batchSize` messages per transaction. A message whose Message-ID the
    /// list already holds adds nothing; one that cannot be parsed is quarantined with the parser's error. Memory
    /// stays bounded by one batch. The From_ line date is the fallback when a message has no usable Date header.
    ///
    /// Messages are parsed before the batch's write transaction opens, so the database lock is held only for the
    /// inserts and the daemon running beside the import never waits long for it. `stop` is read after
    /// each message read: once it is set, the batch read so far is committed and the import stops there (what was committed stays; importing
    /// the file again adds only the rest).
    /// - Returns: the final figures (also passed to `progress` after the last batch).
    @discardableResult
    public static func importMbox(
        url: URL, list: String, into database: GatewayStore, batchSize: Int = 500, logger: Logger,
        stop: StopSignal? = nil, progress: (ArchiveImportProgress) -> Void = { _ in }
    ) throws -> ArchiveImportProgress {
        let reader = try MboxReader(url: url)
        var totals = ArchiveImportProgress(messages: 0, bytes: 0, inserted: 0, duplicates: 0, quarantined: 0)
        var batch: [MboxMessage] = []
        batch.reserveCapacity(batchSize)
        logger.info("mbox import started", metadata: ["list.id": "\(list)", "path": "\(url.path)"])
        func commit() throws {
            guard !batch.isEmpty else { return }
            let now = Date()
            let parsedBatch: [Result<ParsedMessage, MessageParseError>] = batch.map { message in
                Result { () throws(MessageParseError) in try MessageParser.parse(message.raw).withAttachmentDigests() }
            }
            totals = try database.pool.write { [totals] db in
                var t = totals
                for (message, parsedResult) in zip(batch, parsedBatch) {
                    t.messages += 1
                    t.bytes += message.raw.count
                    do {
                        let parsed = try parsedResult.get()
                        let result = try ArchiveWriter.archive(
                            db, list: list, raw: message.raw, parsed: parsed, fallbackDate: message.envelopeDate,
                            status: .accepted, source: .import, receivedAt: now)
                        switch result {
                        case .inserted: t.inserted += 1
                        case .duplicate: t.duplicates += 1
                        }
                    } catch let error as MessageParseError {
                        try ArchiveWriter.quarantine(db, list: list, raw: message.raw, error: error.description,
                                                     source: .import, at: now)
                        t.quarantined += 1
                        logger.info("mbox message quarantined", metadata: [
                            "list.id": "\(list)", "mbox.index": "\(message.index)", "error": "\(error)",
                        ])
                    }
                }
                return t
            }
            batch.removeAll(keepingCapacity: true)
            progress(totals)
        }
        var stopped = false
        while let message = try reader.next() {
            batch.append(message)
            let stopNow = stop?.isSet == true
            if batch.count >= max(1, batchSize) || stopNow {
                try commit()
                if stopNow { stopped = true; break }
            }
        }
        if !stopped { try commit() }
        logger.info(stopped ? "mbox import stopped" : "mbox import finished", metadata: [
            "list.id": "\(list)", "messages": "\(totals.messages)", "inserted": "\(totals.inserted)",
            "duplicates": "\(totals.duplicates)", "quarantined": "\(totals.quarantined)",
        ])
        return totals
    }

    /// Writes the messages of `list` to `url` as mboxrd, in arrival order, each message's raw bytes exactly as
    /// received (the reader gives them back byte for byte). Only accepted messages unless `allStatuses`.
    /// - Returns: the number of messages written.
    @discardableResult
    public static func exportMbox(list: String, to url: URL, from database: GatewayStore, allStatuses: Bool = false,
                                  logger: Logger) throws -> Int {
        try exportMbox(list: list, to: url, reading: database.pool, allStatuses: allStatuses, logger: logger)
    }

    /// ``exportMbox(list:to:from:allStatuses:logger:)`` from any reader (the read-only store of the CLI).
    @discardableResult
    public static func exportMbox(list: String, to url: URL, reading reader: any DatabaseReader,
                                  allStatuses: Bool = false, logger: Logger) throws -> Int {
        let writer = try MboxWriter(url: url)
        let count = try reader.read { db -> Int in
            var n = 0
            try MessageRecord.forEachRaw(db, list: list, allStatuses: allStatuses) { raw, from, date in
                try writer.write(raw: Array(raw), sender: from ?? "MAILER-DAEMON", date: date)
                n += 1
            }
            return n
        }
        try writer.close()
        logger.info("mbox export finished", metadata: ["list.id": "\(list)", "messages": "\(count)"])
        return count
    }
}
