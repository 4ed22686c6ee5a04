public import Foundation

/// Archive figures for `mailgateway archive stats`.
public struct ArchiveStats: Sendable, Codable, Hashable {
    /// Lists.
    public var lists: Int
    /// Messages, all statuses.
    public var messages: Int
    /// Messages per status (`accepted`, `held`...).
    public var messagesByStatus: [String: Int]
    /// Threads with accepted messages.
    public var threads: Int
    /// Sum of raw message sizes.
    public var rawBytes: Int
    /// Attachments, in order.
    public var attachments: Int
    /// Sum of attachment sizes as received.
    public var attachmentBytes: Int
    /// Distinct contents stored.
    public var blobs: Int
    /// Bytes of stored attachment contents.
    public var blobBytes: Int
    /// Bytes not stored twice thanks to content deduplication.
    public var dedupSavedBytes: Int
    /// Quarantined messages.
    public var quarantined: Int
    /// Size of the main database file (pages in use and free), without the WAL.
    public var databaseBytes: Int
}
