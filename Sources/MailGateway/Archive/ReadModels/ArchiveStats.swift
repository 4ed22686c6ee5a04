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
    /// Distinct attachment contents stored apart from the raw messages (`blobs`): only by archives written before
    /// "archive-v4-attachments-in-raw"; 0 for an archive started since.
    public var blobs: Int
    /// Bytes of those stored contents.
    public var blobBytes: Int
    /// Attachment bytes not stored a second time: `attachmentBytes - blobBytes` (deduplicated, or only in `raw`).
    public var dedupSavedBytes: Int
    /// Quarantined messages.
    public var quarantined: Int
    /// Size of the main database file (pages in use and free), without the WAL.
    public var databaseBytes: Int
}
