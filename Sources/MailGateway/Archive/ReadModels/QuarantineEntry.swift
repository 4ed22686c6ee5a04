public import Foundation

/// One quarantined message.
public struct QuarantineEntry: Sendable, Codable, Hashable {
    /// Identifier (row id, or the list id for lists).
    public var id: Int64
    /// The list id.
    public var list: String
    /// Size in bytes.
    public var size: Int
    /// False for an oversize message, of which only the headers were kept.
    public var rawStored: Bool
    /// The header block (at most 4 KiB).
    public var headersExcerpt: String
    /// Why it was quarantined.
    public var error: String
    /// `imap` or `import`.
    public var source: String
    /// IMAP UIDVALIDITY, for messages fetched over IMAP.
    public var uidValidity: Int64?
    /// IMAP UID, for messages fetched over IMAP.
    public var uid: Int64?
    /// When it was quarantined.
    public var created: Date
}
