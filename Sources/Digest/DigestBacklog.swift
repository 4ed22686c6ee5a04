public import Foundation
public import GRDB
import MailGateway

/// One thread's share of a list's next digest.
public struct DigestThread: Sendable, Codable, Equatable {
    public struct Post: Sendable, Codable, Equatable {
        public var messageRowID: Int64
        public var messageID: String
        public var author: String
        public var date: Date
        public var subject: String
    }

    public var threadID: Int64
    public var subject: String
    public var posts: [Post]
}

/// What the next daily digest of a list will carry: the accepted posts the ingest stage recorded as due
/// (`digest_entries`, written when the list has digest members), grouped by thread, threads by their first due
/// post, posts by date. Composition and sending are the digest issue's; this is the durable queue they read.
public enum DigestBacklog {
    /// The due posts of `list`, grouped by thread.
    public static func pending(_ db: Database, list: String) throws -> [DigestThread] {
        let rows = try DigestEntryRecord.duePosts(db, list: list)
        var order: [Int64] = []
        var threads: [Int64: DigestThread] = [:]
        for row in rows {
            let threadID = row.threadID
            let post = DigestThread.Post(messageRowID: row.messageRowID, messageID: row.messageID, author: row.author,
                                         date: row.date, subject: row.subject)
            if threads[threadID] == nil {
                order.append(threadID)
                threads[threadID] = DigestThread(threadID: threadID, subject: row.threadSubject, posts: [])
            }
            threads[threadID]?.posts.append(post)
        }
        return order.compactMap { threads[$0] }
    }

    /// Marks the given posts as sent in the digest of `list` (inside the digest run's transaction).
    public static func markSent(_ db: Database, list: String, messageRowIDs: [Int64], at date: Date) throws {
        for id in messageRowIDs {
            try DigestEntryRecord.markSent(db, list: list, messageRowID: id, at: date)
        }
    }
}
