public import Foundation
public import MailGateway

/// One issue of one member's digest of one list: everything the renderer needs, nothing it must look up.
/// The durable stage (``DigestRun``) builds it from the store; ``DigestRendering`` turns it into messages.
public struct DigestContent: Sendable, Equatable {
    /// How the member receives the list (only the digest formats reach a renderer).
    public enum Format: String, Sendable, Codable, CaseIterable {
        /// multipart/alternative: text and HTML, table of contents, grouped by thread (the default digest).
        case mime = "digest"
        /// RFC 1153 plain text.
        case plain = "digest-plain"
        /// RFC 2046 multipart/digest: each post as a message/rfc822 part, byte-exact.
        case rfc2046 = "digest-mime"
        /// Threads, authors and counts, no bodies.
        case summary
    }

    /// A file a post carried: listed, never embedded.
    public struct Attachment: Sendable, Equatable {
        public var filename: String?
        public var contentType: String
        public var size: Int
        public init(filename: String?, contentType: String, size: Int) {
            self.filename = filename
            self.contentType = contentType
            self.size = size
        }
    }

    /// One accepted post.
    public struct Item: Sendable, Equatable {
        public var messageRowID: Int64
        /// Message-ID without angle brackets (what a reply's In-Reply-To names).
        public var messageID: String
        /// The post's References ids, oldest first, without angle brackets (a reply's References end with
        /// these then `messageID`).
        public var references: [String]
        public var subject: String
        public var author: MailAddress
        public var date: Date
        /// The decoded text body as archived (the renderer trims quotes and signatures; the archive never).
        public var text: String
        public var attachments: [Attachment]
        /// The exact bytes, for the RFC 2046 format.
        public var raw: [UInt8]
        /// An announcement already delivered to the member on its own: listed as "sent separately".
        public var sentSeparately: Bool

        public init(messageRowID: Int64, messageID: String, references: [String], subject: String, author: MailAddress,
                    date: Date, text: String, attachments: [Attachment], raw: [UInt8], sentSeparately: Bool = false) {
            self.messageRowID = messageRowID
            self.messageID = messageID
            self.references = references
            self.subject = subject
            self.author = author
            self.date = date
            self.text = text
            self.attachments = attachments
            self.raw = raw
            self.sentSeparately = sentSeparately
        }
    }

    /// The posts of one thread, oldest first.
    public struct Thread: Sendable, Equatable {
        public var threadID: Int64
        public var subject: String
        public var items: [Item]
        public init(threadID: Int64, subject: String, items: [Item]) {
            self.threadID = threadID
            self.subject = subject
            self.items = items
        }
    }

    public var list: ListIdentity
    /// The member's address (To) and name.
    public var recipient: MailAddress
    /// The member's language: every text of the digest, and dates in its locale.
    public var language: Language
    /// The member's time zone: dates are shown in it.
    public var timeZone: TimeZone
    public var format: Format
    /// The issue's number in the member's series for this list (1, 2, ...), shown in the subject.
    public var number: Int
    /// Posts accepted after this instant (the previous issue's end; nil for the first issue) ...
    public var periodStart: Date?
    /// ... and up to this one (the instant the issue was due).
    public var periodEnd: Date
    /// Threads in table-of-contents order (by their first post in the period).
    public var threads: [Thread]
    /// The member's unsubscribe URL or mailto for List-Unsubscribe (as on the list's posts), nil for none.
    public var unsubscribe: String?
    /// The member's one-click https link (`OneClickLinks.url(list:address:)`), only when the gateway's HTTP
    /// listener serves it: then List-Unsubscribe carries it too and `List-Unsubscribe-Post` is added (RFC 8058).
    public var oneClickURL: String?

    public init(list: ListIdentity, recipient: MailAddress, language: Language, timeZone: TimeZone, format: Format,
                number: Int, periodStart: Date?, periodEnd: Date, threads: [Thread], unsubscribe: String?,
                oneClickURL: String? = nil) {
        self.list = list
        self.recipient = recipient
        self.language = language
        self.timeZone = timeZone
        self.format = format
        self.number = number
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.threads = threads
        self.unsubscribe = unsubscribe
        self.oneClickURL = oneClickURL
    }
}

extension DigestContent {
    /// What a rendered body depends on, as text: the list, the period, the items (and which were sent
    /// separately), the format, the language, the zone — never the recipient, their number or their unsubscribe
    /// address. Equal keys, equal bodies: the digest run renders a body once per key, and the renderer derives
    /// its MIME boundaries from it.
    public var bodyKey: String {
        var key = "\(list.listID)|\(format.rawValue)|\(language.rawValue)|\(timeZone.identifier)|"
        key += "\(periodStart?.timeIntervalSince1970 ?? -1)|\(periodEnd.timeIntervalSince1970)"
        for thread in threads {
            for item in thread.items { key += "|\(item.messageRowID)\(item.sentSeparately ? "s" : "")" }
        }
        return key
    }
}

/// Turns one digest issue into the messages the member receives: one, or more when the issue passes the size
/// limits (at most 25 items or about 90 KB of HTML per message; the rest follows at once in the next part).
///
/// A message is a header (``header(_:messageID:date:part:partCount:)``: the fields that name the member — To,
/// Subject with their issue number, Message-ID, List-Unsubscribe — ending with `MIME-Version`) then a body
/// (``bodies(_:)``: from the body's `Content-Type` field on). A body depends on the list, the period, the items,
/// the format, the language and the time zone, never on the recipient, their number or their unsubscribe
/// address: the digest run renders it once for every member who reads the same issue the same way, and the
/// outbox stores it once (per-recipient header fields, one shared body).
public protocol DigestRendering: Sendable {
    /// The body of each message of the issue (CRLF line ends), from its `Content-Type` field on.
    func bodies(_ content: DigestContent) throws -> [[UInt8]]
    /// The header of message `part` of `partCount` (CRLF line ends, each field ending with CRLF, no blank line:
    /// the body's own fields follow), From the list's own address.
    /// - Parameters:
    ///   - messageID: the Message-ID of the first part, without brackets (parts add `.2`, `.3`, ...).
    ///   - date: the Date header.
    func header(_ content: DigestContent, messageID: String, date: Date, part: Int, partCount: Int) -> [UInt8]
}

extension DigestRendering {
    /// Complete RFC 5322 messages (CRLF line ends): each part's header then its body.
    public func render(_ content: DigestContent, messageID: String, date: Date) throws -> [[UInt8]] {
        let bodies = try bodies(content)
        return bodies.enumerated().map { index, body in
            header(content, messageID: messageID, date: date, part: index + 1, partCount: bodies.count) + body
        }
    }
}
