import Foundation
import Crypto

/// One recipient's copy of a post, ready for the outbox: the envelope (VERP) and the bytes to send.
/// `headerPrefix` holds the few header fields that differ between recipients (List-Unsubscribe with a
/// one-click token); `shared` is the same for every copy of the post, so the outbox stores it once.
public struct OutgoingCopy: Sendable, Equatable {
    public var recipient: String
    /// The envelope sender; with `bounceEnvelope`, a placeholder that the outbox replaces by the copy's own
    /// `list+bounce.<token>@` (BN-1) once its row exists. Empty: the null reverse-path (notices).
    public var envelopeFrom: String
    /// Per-copy VERP (``BounceEnvelope``), or nil to send `envelopeFrom` as it is.
    public var bounceEnvelope: BounceEnvelope?
    /// Per-recipient header fields, CRLF-terminated, written before the shared ones.
    public var headerPrefix: [UInt8]
    /// Header fields and body common to all copies of the post.
    public var shared: [UInt8]

    public init(recipient: String, envelopeFrom: String, headerPrefix: [UInt8], shared: [UInt8]) {
        self.recipient = recipient
        self.envelopeFrom = envelopeFrom
        self.bounceEnvelope = nil
        self.headerPrefix = headerPrefix
        self.shared = shared
    }

    /// A copy whose envelope sender is its own `list+bounce.<token>@` (BN-1).
    public init(recipient: String, bounceEnvelope: BounceEnvelope, headerPrefix: [UInt8], shared: [UInt8]) {
        self.init(recipient: recipient, envelopeFrom: bounceEnvelope.placeholder, headerPrefix: headerPrefix,
                  shared: shared)
        self.bounceEnvelope = bounceEnvelope
    }

    /// The message exactly as sent.
    public var bytes: [UInt8] { headerPrefix + shared }
}

/// A post decorated for the list once: every copy shares these bytes.
public struct ComposedPost: Sendable, Equatable {
    /// Header fields and body, CRLF line endings.
    public var shared: [UInt8]
    /// True when From was replaced by the list address (DMARC).
    public var fromRewritten: Bool
    /// The list this post was composed for.
    public var list: ListIdentity

    /// The copy for `recipient`. List-Unsubscribe is `<mailto:list+leave@domain>` (CM-13). With a web base URL
    /// and a one-click `unsubscribeToken` (made by the caller,
    /// e.g. an HMAC of list and address), List-Unsubscribe also carries the https URL and
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` is added (RFC 8058 §3.1: the URI identifies the
    /// recipient with a hard-to-forge token). Otherwise only the mailto form is given.
    /// `bounceKey` keys the copy's VERP token (``BounceToken``).
    public func copy(for recipient: String, unsubscribeToken: String? = nil, bounceKey: [UInt8]? = nil) -> OutgoingCopy {
        var unsubscribe = "<mailto:\(list.addresses.leave)>"
        var fields: [String] = []
        if let base = list.webBaseURL, let token = unsubscribeToken {
            let escaped = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token
            unsubscribe += ",\r\n <\(base)/lists/\(list.id)/unsubscribe?token=\(escaped)>"
            fields.append("List-Unsubscribe: \(unsubscribe)\r\n")
            fields.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
        } else {
            fields.append("List-Unsubscribe: \(unsubscribe)\r\n")
        }
        return OutgoingCopy(recipient: recipient,
                            bounceEnvelope: BounceEnvelope(listAddress: list.address, key: bounceKey),
                            headerPrefix: Array(fields.joined().utf8), shared: shared)
    }
}

/// Decorates a post for a list (Mailman's "decorate" and "cook headers" handlers), with no I/O.
///
/// Choices:
/// - Message-ID, In-Reply-To and References are kept byte for byte, so threads stay threads.
/// - `DKIM-Signature` is removed: the subject prefix and the footer change signed content, so the author's
///   signature would fail anyway, and a broken signature is worse than none for some receivers. The gateway's
///   relay may sign the copy with the list's domain. `Return-Path`, `Delivered-To` and `X-Original-To`
///   (trace of the list mailbox's own delivery; Postfix refuses a message whose Delivered-To names the
///   recipient as a loop) and any earlier `List-*` / `Precedence` fields are removed.
/// - The footer is appended in place to a single text/plain part when it can be written in that part's
///   charset and transfer encoding (us-ascii/utf-8, 7bit/8bit/quoted-printable); every other single part,
///   multipart/alternative, multipart/signed (whose inside is never touched) and other multiparts are
///   wrapped in a new multipart/mixed with the footer as a last text/plain part (what Mailman does);
///   multipart/mixed gets the footer as a new last part.
/// - DMARC: with `whenDMARC`, From is rewritten when the author's domain publishes `p=quarantine` or
///   `p=reject` according to the given `DMARCLookup`. A rewritten From is `"Name via List" <list address>`;
///   Reply-To is set to the author unless the author already set a Reply-To, which is kept.
/// - RFC 2369 fields name the list's subaddresses (CM-13, `ListAddresses`): List-Help `list+help@`,
///   List-Subscribe `list+join@`, List-Owner `list+owner@`; List-Unsubscribe `list+leave@` is per copy
///   (`ComposedPost.copy(for:)`).
/// - An announcement list (`ListIdentity.acceptsPosts` false) writes `List-Post: NO` (RFC 2369 §3.4), and its
///   `ListIdentity.replyTo` (the secretariat) replaces any Reply-To.
public struct OutgoingComposer: Sendable {
    public var list: ListIdentity
    /// The rendered footer, or nil for none.
    public var footer: String?
    public var dmarc: DMARCLookup

    public init(list: ListIdentity, footer: String?, dmarc: DMARCLookup = .unknown) {
        self.list = list
        self.footer = footer
        self.dmarc = dmarc
    }

    static let removedFields: Set<String> = [
        "Return-Path", "Delivered-To", "X-Original-To", "DKIM-Signature",
        "List-Id", "List-Post", "List-Help", "List-Archive", "List-Unsubscribe", "List-Unsubscribe-Post",
        "List-Subscribe", "List-Owner", "Precedence",
    ]

    /// Composes the list's version of `raw`.
    /// - Parameters:
    ///   - raw: the original message as received.
    ///   - subject: its decoded Subject (`ParsedMessage.subject`).
    ///   - author: its first From address, decoded (`ParsedMessage.from.first`).
    public func compose(raw: [UInt8], subject: String, author: MailAddress?) -> ComposedPost {
        var message = RawMessage(raw)
        message.remove(Self.removedFields)
        message.fields.removeAll {
            $0.name.caseInsensitiveCompare("X-Loop") == .orderedSame
                && $0.unfolded.caseInsensitiveCompare(list.address) == .orderedSame
        }

        // Subject prefix, once.
        if let prefix = list.subjectPrefix, !prefix.isEmpty,
           subject.range(of: prefix, options: .caseInsensitive) == nil {
            let newSubject = subject.isEmpty ? prefix : "\(prefix) \(subject)"
            let value = " " + HeaderEncoding.unstructured(newSubject)
            if let index = message.fields.firstIndex(where: { $0.name.caseInsensitiveCompare("Subject") == .orderedSame }) {
                message.fields[index] = .init(name: "Subject", rawValue: value)
                message.fields.removeAll { $0.name.caseInsensitiveCompare("Subject") == .orderedSame && $0.rawValue != value }
            } else {
                message.fields.append(.init(name: "Subject", rawValue: value))
            }
        }

        // DMARC From rewrite.
        let rewrite = shouldRewriteFrom(author: author)
        if rewrite, let author {
            let display = (author.name?.isEmpty == false ? author.name! : String(author.localPart))
            let from = " \(HeaderEncoding.phrase("\(display) via \(list.name)")) <\(list.address)>"
            let hadReplyTo = message.field("Reply-To") != nil
            message.fields = message.fields.map {
                $0.name.caseInsensitiveCompare("From") == .orderedSame ? .init(name: "From", rawValue: from) : $0
            }
            if !hadReplyTo && list.replyTo == nil {
                let reply = author.name.map { " \(HeaderEncoding.phrase($0)) <\(author.address)>" } ?? " <\(author.address)>"
                message.fields.append(.init(name: "Reply-To", rawValue: reply))
            }
        }

        // An announcement list: answers go to the secretariat, never to the author or the list.
        if let replyTo = list.replyTo {
            message.fields.removeAll { $0.name.caseInsensitiveCompare("Reply-To") == .orderedSame }
            message.fields.append(.init(name: "Reply-To", rawValue: " <\(replyTo)>"))
        }

        if let footer, !footer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            addFooter(footer, to: &message)
        }

        let addresses = list.addresses
        var added: [RawMessage.Field] = [
            .init(name: "List-Id", rawValue: " \(HeaderEncoding.phrase(list.name)) <\(list.listID)>"),
            .init(name: "List-Post", rawValue: list.acceptsPosts ? " <mailto:\(list.address)>" : " NO"),
            .init(name: "List-Help", rawValue: " <mailto:\(addresses.help)>"),
            .init(name: "List-Subscribe", rawValue: " <mailto:\(addresses.join)>"),
            .init(name: "List-Owner", rawValue: " <mailto:\(addresses.owner)>"),
        ]
        if let archive = list.archiveURL { added.append(.init(name: "List-Archive", rawValue: " <\(archive)>")) }
        added.append(.init(name: "Precedence", rawValue: " list"))
        added.append(.init(name: "X-Loop", rawValue: " \(list.address)"))
        message.fields.append(contentsOf: added)
        return ComposedPost(shared: message.serialized(), fromRewritten: rewrite, list: list)
    }

    func shouldRewriteFrom(author: MailAddress?) -> Bool {
        guard let author else { return false }
        switch list.fromRewrite {
        case .never: return false
        case .always: return true
        case .whenDMARC:
            guard let domain = author.domainKey else { return false }
            return dmarc.policy(domain)?.isStrict ?? false
        }
    }

    // MARK: Footer

    private func addFooter(_ footer: String, to message: inout RawMessage) {
        var text = LineEndings.lf(footer)
        while text.hasPrefix("\n") { text.removeFirst() }
        while text.hasSuffix("\n") { text.removeLast() }
        text += "\n"
        let contentType = ContentType(headerValue: message.field("Content-Type")?.unfolded)
        let encoding = (message.field("Content-Transfer-Encoding")?.unfolded.lowercased()) ?? "7bit"
        let disposition = message.field("Content-Disposition")?.unfolded.lowercased() ?? ""
        let footerIsASCII = text.unicodeScalars.allSatisfy { $0.isASCII }

        if contentType.mimeType == "text/plain", !disposition.hasPrefix("attachment") {
            let charset = (contentType.parameters["charset"] ?? "us-ascii").lowercased()
            let unicodeCharset = charset == "utf-8" || charset == "utf8"
            if charset == "us-ascii" || unicodeCharset {
                let plainEncodings: Set<String> = ["7bit", "8bit", "binary"]
                if plainEncodings.contains(encoding), footerIsASCII || (unicodeCharset && encoding != "7bit") {
                    appendToBody(&message.body, LineEndings.crlf(Array(text.utf8)))
                    return
                }
                if encoding == "quoted-printable", footerIsASCII || unicodeCharset {
                    appendToBody(&message.body, Array(QuotedPrintable.encode(text).utf8))
                    return
                }
            }
        }
        if contentType.mimeType == "multipart/mixed", let boundary = contentType.parameters["boundary"],
           insertPart(text, boundary: boundary, into: &message.body) {
            return
        }
        wrap(&message, footer: text)
    }

    private func appendToBody(_ body: inout [UInt8], _ footer: [UInt8]) {
        if !body.isEmpty && !(body.suffix(2) == [13, 10]) { body.append(contentsOf: [13, 10]) }
        body.append(contentsOf: [13, 10])
        body.append(contentsOf: footer)
    }

    private func footerPart(_ text: String) -> [UInt8] {
        Array("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Disposition: inline\r\n\r\n".utf8)
            + Array(QuotedPrintable.encode(text).utf8)
    }

    /// Inserts the footer as a last part of a multipart/mixed body, before its close delimiter.
    private func insertPart(_ text: String, boundary: String, into body: inout [UInt8]) -> Bool {
        let close = Array("\r\n--\(boundary)--".utf8)
        let searchIn = [13, 10] + body
        guard let position = lastRange(of: close, in: searchIn) else { return false }
        let insertAt = max(0, position - 2)
        let part = Array("\r\n--\(boundary)\r\n".utf8) + footerPart(text)
        body.insert(contentsOf: part, at: insertAt)
        return true
    }

    private func lastRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = haystack.count - needle.count
        while i >= 0 {
            if haystack[i] == needle[0], Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i -= 1
        }
        return nil
    }

    /// Wraps the whole original content as the first part of a new multipart/mixed.
    private func wrap(_ message: inout RawMessage, footer text: String) {
        let contentFields = message.fields.filter { $0.name.lowercased().hasPrefix("content-") }
        message.fields.removeAll { $0.name.lowercased().hasPrefix("content-") }
        let boundary = makeBoundary(for: message.body)
        var body: [UInt8] = Array("--\(boundary)\r\n".utf8)
        for field in contentFields { body.append(contentsOf: RawMessage.latin1Bytes(field.serialized)) }
        body.append(contentsOf: [13, 10])
        body.append(contentsOf: message.body)
        if !(message.body.suffix(2) == [13, 10]) { body.append(contentsOf: [13, 10]) }
        body.append(contentsOf: Array("--\(boundary)\r\n".utf8))
        body.append(contentsOf: footerPart(text))
        body.append(contentsOf: Array("\r\n--\(boundary)--\r\n".utf8))
        message.body = body
        if message.field("MIME-Version") == nil { message.fields.append(.init(name: "MIME-Version", rawValue: " 1.0")) }
        message.fields.append(.init(name: "Content-Type", rawValue: " multipart/mixed; boundary=\"\(boundary)\""))
    }

    /// A boundary derived from the content (so composing is deterministic) that does not occur in it.
    private func makeBoundary(for body: [UInt8]) -> String {
        var salt = 0
        while true {
            var hasher = SHA256()
            hasher.update(data: body)
            hasher.update(data: Array(String(salt).utf8))
            let hex = hasher.finalize().prefix(12).map { String(format: "%02x", $0) }.joined()
            let boundary = "=_mailgateway_\(hex)"
            if lastRange(of: Array(boundary.utf8), in: body) == nil { return boundary }
            salt += 1
        }
    }
}
