public import Foundation
import Crypto

/// One header field as it appears in the message, unfolded but not decoded.
public struct MessageHeader: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A non-text part of a message (or a text part marked as an attachment).
public struct ParsedAttachment: Sendable {
    /// Decoded file name (RFC 2231 or RFC 2047), if the part names one.
    public var filename: String?
    /// `type/subtype`, lower-cased.
    public var contentType: String
    /// Content-ID without angle brackets, for inline parts.
    public var contentID: String?
    /// True for `Content-Disposition: inline`.
    public var isInline: Bool
    /// The decoded bytes of the part.
    public let data: [UInt8]
    /// SHA-256 of `data`, lower-case hex, when computed ahead (``ParsedMessage/withAttachmentDigests()``): the
    /// hash the archive describes the attachment with (`attachments.sha256`). Nil otherwise; ``digest`` computes it.
    public private(set) var sha256: String?

    public init(filename: String?, contentType: String, contentID: String? = nil, isInline: Bool = false, data: [UInt8]) {
        self.filename = filename
        self.contentType = contentType
        self.contentID = contentID
        self.isInline = isInline
        self.data = data
    }

    /// SHA-256 of `data`, lower-case hex: ``sha256`` when it was computed ahead, computed now otherwise.
    public var digest: String {
        sha256 ?? LowercaseHex.string(SHA256.hash(data: data))
    }

    /// This attachment with ``sha256`` computed.
    public func withDigest() -> ParsedAttachment {
        var copy = self
        copy.sha256 = digest
        return copy
    }
}

/// What the parse stage extracts from one raw message. The raw bytes themselves are kept by the archive,
/// never rebuilt from this value.
public struct ParsedMessage: Sendable {
    /// Message-ID without angle brackets. When the message has none, a stable synthetic id derived from the
    /// raw bytes (see `messageIDIsSynthetic`).
    public var messageID: String
    public var messageIDIsSynthetic: Bool
    /// In-Reply-To ids, in order, without angle brackets.
    public var inReplyTo: [String]
    /// References ids, in order (oldest first), without angle brackets.
    public var references: [String]
    /// Decoded, unfolded Subject ("" when absent).
    public var subject: String
    public var from: [MailAddress]
    public var sender: MailAddress?
    public var replyTo: [MailAddress]
    public var to: [MailAddress]
    public var cc: [MailAddress]
    /// The Date header in absolute time; nil when missing or unparseable (the caller falls back to the
    /// IMAP internal date).
    public var date: Date?
    /// Every header field, in order, unfolded, not decoded.
    public var headers: [MessageHeader]
    /// The text of the message as UTF-8: the text/plain part (format=flowed joined), or a rendering of the
    /// HTML part when there is no text/plain.
    public var text: String?
    /// True when `text` was derived from `html`.
    public var textIsDerivedFromHTML: Bool
    /// The text/html part, decoded to UTF-8.
    public var html: String?
    public var attachments: [ParsedAttachment]
    /// Top-level `type/subtype`, lower-cased.
    public var contentType: String
    /// Non-fatal problems met while parsing (bad charset label, undecodable word...), for the operator.
    public var problems: [String]
    /// False for ``MessageParser/parseHeaders(_:)``'s result: the header fields only, without `text`, `html`,
    /// `attachments` and the body's problems, and `contentType` as the Content-Type field declares it. The ingest
    /// archives a post from a sender nobody in the register has that way, when its list rejects or discards such
    /// posts (docs/ARCHITECTURE.md, "Posts parsed to their header"); ``MessageParser/parse(_:)`` gives the rest.
    public var bodyParsed: Bool

    public init(
        messageID: String, messageIDIsSynthetic: Bool = false, inReplyTo: [String] = [], references: [String] = [],
        subject: String = "", from: [MailAddress] = [], sender: MailAddress? = nil, replyTo: [MailAddress] = [],
        to: [MailAddress] = [], cc: [MailAddress] = [], date: Date? = nil, headers: [MessageHeader] = [],
        text: String? = nil, textIsDerivedFromHTML: Bool = false, html: String? = nil,
        attachments: [ParsedAttachment] = [], contentType: String = "text/plain", problems: [String] = [],
        bodyParsed: Bool = true
    ) {
        self.messageID = messageID
        self.messageIDIsSynthetic = messageIDIsSynthetic
        self.inReplyTo = inReplyTo
        self.references = references
        self.subject = subject
        self.from = from
        self.sender = sender
        self.replyTo = replyTo
        self.to = to
        self.cc = cc
        self.date = date
        self.headers = headers
        self.text = text
        self.textIsDerivedFromHTML = textIsDerivedFromHTML
        self.html = html
        self.attachments = attachments
        self.contentType = contentType
        self.problems = problems
        self.bodyParsed = bodyParsed
    }

    /// All values of the header fields named `name` (case-insensitive), in order.
    public func headerValues(_ name: String) -> [String] {
        headers.filter { Self.sameFieldName($0.name, name) }.map(\.value)
    }

    /// Field names are ASCII (RFC 5322 §2.2): compare their bytes case-insensitively (Foundation's
    /// `caseInsensitiveCompare` goes through ICU, and this runs for every field of every message).
    static func sameFieldName(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where p != q {
            let lp = (p >= 65 && p <= 90) ? p + 32 : p
            let lq = (q >= 65 && q <= 90) ? q + 32 : q
            if lp != lq { return false }
        }
        return true
    }

    /// The first value of the header field named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { Self.sameFieldName($0.name, name) }?.value
    }

    /// This message with its attachments' SHA-256 computed (``ParsedAttachment/sha256``): the ingest and the mbox
    /// import call it where they parse, beside the database writer, so that the archive's transaction does not
    /// hash. Other parses (moderation, commands, previews) leave it to the archive, which hashes only what it stores.
    public func withAttachmentDigests() -> ParsedMessage {
        guard attachments.contains(where: { $0.sha256 == nil }) else { return self }
        var copy = self
        copy.attachments = attachments.map { $0.withDigest() }
        return copy
    }
}
