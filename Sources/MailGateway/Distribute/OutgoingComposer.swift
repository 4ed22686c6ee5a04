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
    /// `Outbox.digest(of: shared)` when the caller already knows it (a digest body shared by thousands of
    /// members): the outbox then does not hash the bytes again.
    public var sharedDigest: String?

    public init(recipient: String, envelopeFrom: String, headerPrefix: [UInt8], shared: [UInt8],
                sharedDigest: String? = nil) {
        self.recipient = recipient
        self.envelopeFrom = envelopeFrom
        self.bounceEnvelope = nil
        self.headerPrefix = headerPrefix
        self.shared = shared
        self.sharedDigest = sharedDigest
    }

    /// A copy whose envelope sender is its own `list+bounce.<token>@` (BN-1).
    public init(recipient: String, bounceEnvelope: BounceEnvelope, headerPrefix: [UInt8], shared: [UInt8],
                sharedDigest: String? = nil) {
        self.init(recipient: recipient, envelopeFrom: bounceEnvelope.placeholder, headerPrefix: headerPrefix,
                  shared: shared, sharedDigest: sharedDigest)
        self.bounceEnvelope = bounceEnvelope
    }

    /// The message exactly as sent.
    public var bytes: [UInt8] { headerPrefix + shared }
}

/// A post decorated for the list but for its footer and list fields (``OutgoingComposer/decorate(raw:subject:author:)``).
struct DecoratedPost: Sendable {
    var message: RawMessage
    var fromRewritten: Bool
}

/// A post decorated for the list once: every copy shares these bytes.
public struct ComposedPost: Sendable, Equatable {
    /// Header fields and body, CRLF line endings.
    public var shared: [UInt8]
    /// True when From was replaced by the list address (DMARC).
    public var fromRewritten: Bool
    /// The list this post was composed for.
    public var list: ListIdentity

    /// The copy for `recipient`. List-Unsubscribe is `<mailto:list+leave@domain>` (CM-13). With a one-click
    /// `oneClickURL` (`OneClickLinks.url(list:address:)`: given only when the gateway's HTTP listener serves it),
    /// List-Unsubscribe also carries that https URL and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` is
    /// added (RFC 8058 §3.1: the URI identifies the recipient with a hard-to-forge token). Otherwise only the
    /// mailto form is given: copies advertise only what works.
    /// `bounceKey` keys the copy's VERP token (``BounceToken``).
    public func copy(for recipient: String, oneClickURL: String? = nil, bounceKey: [UInt8]? = nil) -> OutgoingCopy {
        copy(for: recipient, oneClickURL: oneClickURL, bounceEnvelope: BounceEnvelope(listAddress: list.address, key: bounceKey))
    }

    /// The copy for `recipient` of a list that does not personalize (``ListConfig/personalize`` false): the
    /// mailto List-Unsubscribe only and the envelope sender `list+bounce@`, so that every copy with the same body
    /// is byte-identical and the outbox sends them in one SMTP transaction.
    public func unpersonalizedCopy(for recipient: String) -> OutgoingCopy {
        copy(for: recipient, oneClickURL: nil, bounceEnvelope: nil)
    }

    private func copy(for recipient: String, oneClickURL: String?, bounceEnvelope: BounceEnvelope?) -> OutgoingCopy {
        var unsubscribe = "<mailto:\(list.addresses.leave)>"
        var fields: [String] = []
        if let oneClickURL {
            unsubscribe += ",\r\n <\(oneClickURL)>"
            fields.append("List-Unsubscribe: \(unsubscribe)\r\n")
            fields.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
        } else {
            fields.append("List-Unsubscribe: \(unsubscribe)\r\n")
        }
        let prefix = Array(fields.joined().utf8)
        guard let bounceEnvelope else {
            return OutgoingCopy(recipient: recipient, envelopeFrom: list.addresses.sub("bounce"), headerPrefix: prefix,
                                shared: shared)
        }
        return OutgoingCopy(recipient: recipient, bounceEnvelope: bounceEnvelope, headerPrefix: prefix, shared: shared)
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
/// - The footer goes into a single text/plain part in place, re-encoded as UTF-8 quoted-printable when its
///   bytes cannot carry it as they are; only HTML, multipart/alternative and multipart/signed posts are wrapped
///   in a new multipart/mixed (`OutgoingComposer+Footer.swift`).
/// - DMARC: with `whenDMARC`, From is rewritten when the author's domain publishes `p=quarantine` or
///   `p=reject` according to the given `DMARCLookup` (`DMARCResolver`: DNS, cached); `p=none` and no record
///   leave From alone (receivers are asked to deliver failing mail as usual). A rewritten From is
///   `"Name via List" <list address>`; Reply-To is set to the author unless the author already set a Reply-To,
///   which is kept.
/// - `reply_to: list` (`ListIdentity.repliesToList`): Reply-To is the list address (a rewritten author is added
///   to Cc).
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
        finish(decorate(raw: raw, subject: subject, author: author))
    }

    /// The composition up to the footer, which does not depend on it: `ReaderComposer` runs it once per post and
    /// `finish` once per footer.
    func decorate(raw: [UInt8], subject: String, author: MailAddress?) -> DecoratedPost {
        var message = RawMessage(raw)
        message.remove(Self.removedFields)
        message.fields.removeAll {
            $0.name.caseInsensitiveCompare("X-Loop") == .orderedSame
                && $0.unfolded.caseInsensitiveCompare(list.address) == .orderedSame
        }

        // Subject: the prefix once at the start, stacked reply markers collapsed to one `Re:` (`ListSubject`).
        let newSubject = ListSubject.make(subject, prefix: list.subjectPrefix)
        if newSubject != subject {
            let value = " " + HeaderEncoding.unstructured(newSubject)
            let field = RawMessage.Field(name: "Subject", rawValue: value)
            if let index = message.fields.firstIndex(where: { $0.name.caseInsensitiveCompare("Subject") == .orderedSame }) {
                message.fields[index] = field
                message.fields.removeAll { $0.name.caseInsensitiveCompare("Subject") == .orderedSame && $0.rawValue != value }
            } else {
                message.fields.append(field)
            }
        }

        // DMARC From rewrite.
        let rewrite = shouldRewriteFrom(author: author)
        if rewrite, let author {
            let display = (author.name?.isEmpty == false ? author.name! : String(author.localPart))
            let from = " " + HeaderEncoding.phraseAndAngle("\(display) via \(list.name)", list.address)
            let hadReplyTo = message.field("Reply-To") != nil
            message.fields = message.fields.map {
                $0.name.caseInsensitiveCompare("From") == .orderedSame ? .init(name: "From", rawValue: from) : $0
            }
            if !hadReplyTo && list.replyTo == nil {
                let reply = author.name.map { " " + HeaderEncoding.phraseAndAngle($0, author.address) } ?? " <\(author.address)>"
                message.fields.append(.init(name: "Reply-To", rawValue: reply))
            }
        }

        // `reply_to: list`: Reply answers everyone. An author whose From was rewritten stays reachable in Cc.
        if list.repliesToList {
            message.fields.removeAll { $0.name.caseInsensitiveCompare("Reply-To") == .orderedSame }
            message.fields.append(.init(name: "Reply-To", rawValue: " <\(list.address)>"))
            if rewrite, let author, !(message.field("Cc")?.unfolded.lowercased().contains(author.address.lowercased()) ?? false) {
                let mailbox = " " + HeaderEncoding.mailbox(author)
                if let index = message.fields.firstIndex(where: { $0.name.caseInsensitiveCompare("Cc") == .orderedSame }) {
                    message.fields[index] = .init(name: "Cc", rawValue: message.fields[index].rawValue + ",\r\n" + mailbox)
                } else {
                    message.fields.append(.init(name: "Cc", rawValue: mailbox))
                }
            }
        }

        // An announcement list: answers go to the secretariat, never to the author or the list.
        if let replyTo = list.replyTo {
            message.fields.removeAll { $0.name.caseInsensitiveCompare("Reply-To") == .orderedSame }
            message.fields.append(.init(name: "Reply-To", rawValue: " <\(replyTo)>"))
        }

        return DecoratedPost(message: message, fromRewritten: rewrite)
    }

    /// Adds this composer's footer and the list's fields to a decorated post.
    func finish(_ decorated: DecoratedPost) -> ComposedPost {
        var message = decorated.message
        if let footer, !footer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            addFooter(footer, to: &message)
        }

        let addresses = list.addresses
        var added: [RawMessage.Field] = [
            .init(name: "List-Id", rawValue: " " + HeaderEncoding.phraseAndAngle(list.name, list.listID)),
            .init(name: "List-Post", rawValue: list.acceptsPosts ? " <mailto:\(list.address)>" : " NO"),
            .init(name: "List-Help", rawValue: " <mailto:\(addresses.help)>"),
            .init(name: "List-Subscribe", rawValue: " <mailto:\(addresses.join)>"),
            .init(name: "List-Owner", rawValue: " <mailto:\(addresses.owner)>"),
        ]
        if let archive = list.archiveURL { added.append(.init(name: "List-Archive", rawValue: " <\(archive)>")) }
        added.append(.init(name: "Precedence", rawValue: " list"))
        added.append(.init(name: "X-Loop", rawValue: " \(list.address)"))
        message.fields.append(contentsOf: added)
        return ComposedPost(shared: message.serialized(), fromRewritten: decorated.fromRewritten, list: list)
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
}
