public import Foundation
import Mustache

/// The values a notice template can use. Plain text: templates use `{{% CONTENT_TYPE: TEXT}}`.
///
/// Template variables: `platformName`, `listName`, `listAddress`, `recipientName`, `originalSubject`,
/// `originalSender`, `originalDate`, `reason` (the code, e.g. `too-large`) and one boolean per reason
/// (`reasonTooLarge`, `reasonNonMember`, `reasonNotEntitled`, `reasonDmarcFail`, `reasonNotAuthenticated`,
/// `reasonNoSender`, `reasonNoRule`), `postableLists` (each with `name` and `address`; `hasPostableLists`),
/// `token` (the `MOD-…` token), `holdID`, `expiryDays`, `moderatorReason` (`hasModeratorReason`),
/// `sizeKB`, `limitKB`, `secretariatAddress` (`hasSecretariatAddress`), and the list's command addresses
/// (``ListAddresses``): `leaveAddress`, `helpAddress`, `requestAddress`, `ownerAddress`.
/// Moderation by email (``ModerationNoticeValues``): `replyToken` (as `token`), `originalAuthor`,
/// `originalDateLocal` (the original's date in the recipient's language), `copies`, `decidedBy`,
/// `decidedAtLocal`, `decidedByExpiry`, `decidedByCLI`, `decidedStatus*` (one boolean per hold status),
/// `acceptedSender` (`hasAcceptedSender`), `replyLine`.
public struct NoticeValues: Sendable {
    public var platformName: String
    public var originalSubject: String
    public var originalSender: String
    public var originalDate: Date?
    public var reason: ReasonCode?
    /// For `not-entitled`: the lists the sender may post to.
    public var postableLists: [ListConfig]
    /// For `moderation-request`: the signed token and the hold.
    public var token: ModerationToken?
    public var holdID: Int64?
    public var expiryDays: Int?
    /// For `rejected-by-moderator`.
    public var moderatorReason: String?
    public var recipientName: String?
    public var size: Int?
    public var limit: Int?
    /// The secretariat's address (the configuration's first), where to write instead of an announcement list.
    public var secretariatAddress: String?
    /// For the membership notices (command replies, confirmations, welcome, goodbye).
    public var membership: MembershipNoticeValues?
    /// Moderation by email: the request's token, the answers' facts.
    public var moderation = ModerationNoticeValues()
    /// The bounce notices (probe, warning, disabled, removed, policy alert).
    public var bounce: BounceNoticeValues?

    /// Creates values; only `platformName` and the original subject are needed by every template.
    public init(platformName: String, originalSubject: String, originalSender: String = "", originalDate: Date? = nil,
                reason: ReasonCode? = nil, postableLists: [ListConfig] = [], token: ModerationToken? = nil,
                holdID: Int64? = nil, expiryDays: Int? = nil, moderatorReason: String? = nil,
                recipientName: String? = nil, size: Int? = nil, limit: Int? = nil) {
        self.platformName = platformName
        self.originalSubject = originalSubject
        self.originalSender = originalSender
        self.originalDate = originalDate
        self.reason = reason
        self.postableLists = postableLists
        self.token = token
        self.holdID = holdID
        self.expiryDays = expiryDays
        self.moderatorReason = moderatorReason
        self.recipientName = recipientName
        self.size = size
        self.limit = limit
    }
}

/// A rendered notice: subject and plain-text body.
public struct RenderedNotice: Sendable, Equatable {
    public var subject: String
    public var body: String
}

/// A complete notice message, ready for the outbox.
public struct ComposedNotice: Sendable, Equatable {
    public var kind: NoticeKind
    public var language: Language
    public var subject: String
    public var body: String
    /// Message-ID without angle brackets.
    public var messageID: String
    public var recipient: String
    /// The envelope sender to use: empty (`MAIL FROM:<>`, RFC 3834 §3.3 / RFC 5321 §4.5.5) so that a notice
    /// that can't be delivered never bounces back into a loop.
    public var envelopeSender: String
    /// The RFC 5322 message, CRLF line ends.
    public var bytes: [UInt8]
}

/// A template that failed to load, with its path and the parser's position. Carries no message content.
public struct NoticeTemplateError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Renders notices from `templates/<lang>/<kind>.txt.mustache` and builds the messages.
///
/// A template's first line is the subject, then one empty line, then the body. The recipient's language is
/// the person's (or their membership's override), else the list's; a missing template falls back to the list's
/// language, then to French.
public struct NoticeComposer: Sendable {
    private let templates: [Language: [NoticeKind: MustacheTemplate]]

    /// Loads every notice template under `directory` (`fr/`, `en/`, `es/`). Throws for a template that does not
    /// parse, or when a French template is missing (French is the platform's required language).
    public init(templatesDirectory directory: String) throws {
        var templates: [Language: [NoticeKind: MustacheTemplate]] = [:]
        for language in Language.allCases {
            for kind in NoticeKind.allCases {
                let path = "\(directory)/\(language.rawValue)/\(kind.rawValue).txt.mustache"
                let template: MustacheTemplate?
                do { template = try TemplateFile.load(path) } catch { throw NoticeTemplateError(path: path, reason: error.reason) }
                guard let template else {
                    if language == .fr { throw NoticeTemplateError(path: path, reason: "missing") }
                    continue
                }
                templates[language, default: [:]][kind] = template
            }
        }
        self.templates = templates
    }

    /// The language to write to a person in: their membership override, their preference, else the list's.
    public static func language(for identity: SenderIdentity?, override: Language? = nil, list: ListConfig) -> Language {
        override ?? identity?.language ?? list.language
    }

    /// Renders a notice's subject and body.
    public func render(_ kind: NoticeKind, language: Language, list: ListConfig, values: NoticeValues)
        throws -> RenderedNotice {
        guard let template = templates[language]?[kind] ?? templates[list.language]?[kind] ?? templates[.fr]?[kind] else {
            throw NoticeTemplateError(path: "\(language.rawValue)/\(kind.rawValue).txt.mustache", reason: "missing")
        }
        let text = template.render(Self.context(language: language, list: list, values: values))
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let first = lines.first, first.allSatisfy({ $0 == " " || $0 == "\r" }) { lines = lines.dropFirst() }
        let subject = lines.first.map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        var bodyLines = lines.dropFirst()
        while let first = bodyLines.first, first.allSatisfy({ $0 == " " || $0 == "\r" }) { bodyLines = bodyLines.dropFirst() }
        while let last = bodyLines.last, last.allSatisfy({ $0 == " " || $0 == "\r" }) { bodyLines = bodyLines.dropLast() }
        return RenderedNotice(subject: subject, body: bodyLines.joined(separator: "\n") + "\n")
    }

    /// Renders and builds the full message: From the list's owner address (`ownerAddress(of:)`) unless given,
    /// To the recipient, In-Reply-To and References pointing at the original, `Auto-Submitted: auto-replied`
    /// (`auto-generated` for moderation requests, which answer nobody), `X-Loop` with the list address,
    /// `Precedence: bulk` and `X-Auto-Response-Suppress: All` (no auto-replies to a notice),
    /// UTF-8 quoted-printable body, encoded-word subject when non-ASCII.
    ///
    /// `attachingOriginal` (for moderation requests) adds the original raw message as a `message/rfc822` part,
    /// or only its header as `text/rfc822-headers` when it is larger than `maxAttachedBytes`, so moderators
    /// see what they decide on.
    ///
    /// `alsoIn`: further languages whose text follows the first one's, below a separator line (a notice to an
    /// unknown sender whose mail names no language we write: one short trilingual notice).
    public func compose(_ kind: NoticeKind, to recipient: MailAddress, language: Language, alsoIn: [Language] = [],
                        list: ListConfig,
                        values: NoticeValues, original: ParsedMessage?, from: MailAddress? = nil,
                        replyTo: MailAddress? = nil,
                        attachingOriginal raw: [UInt8]? = nil, maxAttachedBytes: Int = 1_000_000,
                        now: Date = Date()) throws -> ComposedNotice {
        var rendered = try render(kind, language: language, list: list, values: values)
        for other in alsoIn where other != language {
            rendered.body += "\n——————\n\n" + (try render(kind, language: other, list: list, values: values)).body
        }
        let sender = from ?? MailAddress(name: list.name.value(for: language), address: Self.ownerAddress(of: list))
        let domain = String(HeaderScan.domain(of: list.address))
        let messageID = "notice.\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))@\(domain)"
        var headers: [String] = [
            "From: \(HeaderEncoding.mailbox(sender))",
            "To: \(HeaderEncoding.mailbox(recipient))",
            "Subject: \(HeaderEncoding.unstructured(rendered.subject))",
            "Date: \(RFC5322Date.string(from: now))",
            "Message-ID: <\(messageID)>",
        ]
        if let replyTo { headers.append("Reply-To: \(HeaderEncoding.mailbox(replyTo))") }
        if let original, !original.messageIDIsSynthetic {
            headers.append("In-Reply-To: <\(original.messageID)>")
            let references = (original.references + [original.messageID]).suffix(20).map { "<\($0)>" }
            headers.append("References: " + references.joined(separator: "\r\n "))
        }
        headers += [
            "Auto-Submitted: \(kind == .moderationRequest || kind == .ownerMail ? "auto-generated" : "auto-replied")",
            "X-Loop: \(list.address)",
            // Mailman's UserNotification: filters and vacation responders leave automatic mail alone
            // (`Precedence: bulk`; Exchange and Outlook read `X-Auto-Response-Suppress`, MS-OXCMAIL §2.1.3.2.20).
            "Precedence: bulk",
            "X-Auto-Response-Suppress: All",
            "MIME-Version: 1.0",
        ]
        let textPart = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + QuotedPrintable.encode(rendered.body)
        var bytes: [UInt8]
        if let raw {
            let boundary = "=_notice_\(UUID().uuidString.lowercased())"
            headers.append("Content-Type: multipart/mixed; boundary=\"\(boundary)\"")
            bytes = Array((headers.joined(separator: "\r\n") + "\r\n\r\nThis is a MIME message.\r\n\r\n--\(boundary)\r\n"
                + textPart + "\r\n--\(boundary)\r\n").utf8)
            // The original as members would get it (`RawMessage`: the parser's header section, no bare CR, one
            // From/Sender/Reply-To), so a moderator never sees a field the policy did not judge. Over the cap, only
            // its header fields, themselves cut at the last line end within the cap.
            let original = RawMessage(raw)
            let isWhole = raw.count <= maxAttachedBytes
            var attached = isWhole ? original.serialized() : original.serializedHeader()
            if !isWhole, attached.count > maxAttachedBytes {
                let cut = attached[..<maxAttachedBytes].lastIndex(of: 10).map { $0 + 1 } ?? maxAttachedBytes
                attached = Array(attached[..<cut])
            }
            let eightBit = attached.contains { $0 >= 0x80 }
            bytes += Array((isWhole ? "Content-Type: message/rfc822\r\n" : "Content-Type: text/rfc822-headers; charset=utf-8\r\n")
                .utf8)
            bytes += Array("Content-Disposition: inline\r\nContent-Transfer-Encoding: \(eightBit ? "8bit" : "7bit")\r\n\r\n".utf8)
            bytes += attached
            if attached.last != 10 { bytes += [13, 10] }
            bytes += Array("\r\n--\(boundary)--\r\n".utf8)
        } else {
            bytes = Array((headers.joined(separator: "\r\n") + "\r\n" + textPart).utf8)
        }
        return ComposedNotice(kind: kind, language: language, subject: rendered.subject, body: rendered.body,
                              messageID: messageID, recipient: recipient.address, envelopeSender: "",
                              bytes: bytes)
    }

    /// The list's owner address: `<local>-owner@<domain>` (RFC 2142 style, as Mailman).
    public static func ownerAddress(of list: ListConfig) -> String {
        ListAddresses(address: list.address).legacy("owner")
    }

    /// Mail-supplied text repeated in a notice (subject, sender) is cut to this many characters, so that a huge
    /// Subject can't make every notice and moderation request huge.
    public static let maxQuotedCharacters = 200

    /// `text` cut to `maxQuotedCharacters`, with an ellipsis when cut.
    static func truncated(_ text: String) -> String {
        var count = 0
        var end = text.startIndex
        while end < text.endIndex, count < maxQuotedCharacters {
            end = text.index(after: end)
            count += 1
        }
        return end == text.endIndex ? text : String(text[..<end]) + "…"
    }

    /// Control characters (a decoded subject may hide CR LF) become spaces, so that a value can't add a line to
    /// the subject or a header.
    static func oneLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" ? " " : $0
        }))
    }

    private static func context(language: Language, list: ListConfig, values: NoticeValues) -> [String: Any] {
        var c: [String: Any] = [
            "platformName": values.platformName,
            "listName": list.name.value(for: language),
            "deListName": ListNameGrammar.of(list.name.value(for: language), in: language),
            "listAddress": list.address,
            "originalSubject": values.originalSubject.isEmpty ? "(…)" : oneLine(truncated(values.originalSubject)),
            "originalSender": oneLine(truncated(values.originalSender)),
            "recipientName": values.recipientName ?? "",
            "hasRecipientName": !(values.recipientName ?? "").isEmpty,
            // The list's kind (`kindCollege`, `kindFunders`…): what a reason says the group is reserved to.
            "kind\(list.kind.rawValue.capitalized)": true,
        ]
        c.merge(ListAddresses(address: list.address).templateValues) { $1 }
        if let date = values.originalDate { c["originalDate"] = RFC5322Date.string(from: date) }
        if let reason = values.reason {
            c["reason"] = reason.rawValue
            let camel = reason.rawValue.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            c["reason\(camel)"] = true
        }
        let postable: [[String: Any]] = values.postableLists.map {
            ["name": $0.name.value(for: language), "address": $0.address]
        }
        c["postableLists"] = postable
        c["hasPostableLists"] = !postable.isEmpty
        if let token = values.token { c["token"] = token.description }
        if let id = values.holdID { c["holdID"] = String(id) }
        if let days = values.expiryDays { c["expiryDays"] = String(days) }
        if let reason = values.moderatorReason, !reason.isEmpty {
            c["moderatorReason"] = reason
            c["hasModeratorReason"] = true
        }
        if let size = values.size { c["sizeKB"] = String((size + 1023) / 1024) }
        if let limit = values.limit { c["limitKB"] = String((limit + 1023) / 1024) }
        if let secretariat = values.secretariatAddress, !secretariat.isEmpty {
            c["secretariatAddress"] = secretariat
            c["hasSecretariatAddress"] = true
        }
        if let membership = values.membership { c.merge(membership.context(list: list, language: language)) { $1 } }
        if let bounce = values.bounce { c.merge(bounce.context) { $1 } }
        // Last: the moderation request's confirmation token replaces an older `MOD-…` token.
        values.moderation.add(to: &c, language: language, originalDate: values.originalDate)
        return c
    }
}
