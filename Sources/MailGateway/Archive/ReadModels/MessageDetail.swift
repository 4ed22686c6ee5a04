public import Foundation

/// Everything stored about one message.
public struct MessageDetail: Sendable, Codable, Hashable {
    /// Row id of the message in `messages`.
    public var rowID: Int64
    /// The list id.
    public var list: String
    /// Message-ID without angle brackets.
    public var messageID: String
    /// True when the message had no Message-ID and one was derived from its bytes.
    public var messageIDIsSynthetic: Bool
    /// The subject (decoded).
    public var subject: String
    /// The sender display name.
    public var fromName: String?
    /// The sender address.
    public var fromAddress: String?
    /// The message date (UTC).
    public var date: Date
    /// When the gateway received it.
    public var receivedAt: Date
    /// In-Reply-To ids used for threading.
    public var inReplyTo: [String]
    /// References ids used for threading, oldest first.
    public var references: [String]
    /// The thread it belongs to.
    public var threadID: Int64
    /// Message-ID of the resolved parent, nil for a root.
    public var parentMessageID: String?
    /// True when the subject fallback placed it.
    public var threadedBySubject: Bool
    /// The policy decision.
    public var status: ArchiveStatus
    /// The rule that decided, if any.
    public var decisionRule: String?
    /// `imap` or `import`.
    public var source: String
    /// IMAP UIDVALIDITY, for messages fetched over IMAP.
    public var uidValidity: Int64?
    /// IMAP UID, for messages fetched over IMAP.
    public var uid: Int64?
    /// Size in bytes.
    public var size: Int
    /// The header block as received (lossless for ASCII headers; other bytes replaced).
    public var headers: String
    /// The text as UTF-8.
    public var text: String?
    /// The HTML part as UTF-8.
    public var html: String?
    /// True when `text` was rendered from `html`.
    public var textIsDerivedFromHTML: Bool
    /// Attachments, in order.
    public var attachments: [AttachmentInfo]
    /// The exact bytes received.
    public var raw: Data
}
