import Foundation

/// Reads a whole inbound message at a bounce address (BN-3), with no I/O: an RFC 3464 / RFC 6533 report (its
/// `message/delivery-status` part, as the project's `MessageParser` over libetpan hands it, or the same fields
/// found in the raw text when the structure is broken), a bounce in words from the MTAs that send no DSN (qmail,
/// Exchange, Gmail, Yahoo, Exim, Postfix), an automatic reply, or none of them.
public enum BounceMessageReader {
    /// At most this many bytes of a report are read, and this many recipients kept: a report is about the one
    /// copy its address names, and one crafted message must not cost gigabytes or minutes in the ingest
    /// transaction.
    static let maxReportBytes = 256 * 1024
    static let maxRecipients = 100
    /// A diagnostic is classified from its first characters only.
    static let maxDiagnostic = 2000

    /// Reads `parsed` (whose bytes are `raw`).
    public static func read(_ parsed: ParsedMessage, raw: [UInt8]) -> BounceReport {
        let reports = parsed.attachments.filter {
            let type = $0.contentType.lowercased()
            return type == "message/delivery-status" || type == "message/global-delivery-status"
        }
        var fields: [DeliveryStatusRecipient] = []
        for report in reports where fields.count < maxRecipients {
            fields += DeliveryStatusFields.recipients(in: String(decoding: report.data.prefix(maxReportBytes), as: UTF8.self))
        }
        if fields.isEmpty, parsed.contentType.lowercased() == "multipart/report" || containsReport(raw) {
            fields = DeliveryStatusFields.recipients(in: String(decoding: raw.prefix(maxReportBytes), as: UTF8.self))
        }
        fields = Array(fields.prefix(maxRecipients))
        if !fields.isEmpty {
            let text = String((parsed.text ?? "").prefix(maxDiagnostic))
            return BounceReport(kind: .dsn, recipients: fields.map { field in
                let failed = field.action.hasPrefix("fail")
                // A DSN without Diagnostic-Code: the human-readable part is the text to classify.
                let diagnostic = field.diagnostic.isEmpty && failed ? text : String(field.diagnostic.prefix(maxDiagnostic))
                return BounceReport.Recipient(
                    address: field.address, action: field.action, status: field.status, diagnostic: diagnostic,
                    bounceClass: failed ? BounceClassifier.classify(status: field.status, text: diagnostic) : nil)
            })
        }
        if isAutoReply(parsed) { return BounceReport(kind: .autoReply, recipients: []) }
        guard looksLikeBounce(parsed) else { return BounceReport(kind: .notABounce, recipients: []) }
        return BounceReport(kind: .nonDSN, recipients: NonDSNBounce.recipients(in: parsed))
    }

    private static func containsReport(_ raw: [UInt8]) -> Bool {
        let text = String(decoding: raw.prefix(200_000), as: UTF8.self).lowercased()
        return text.contains("message/delivery-status") || text.contains("message/global-delivery-status")
    }

    /// Subjects of bounces in words (en, fr, es, de), lower case.
    static let bounceSubjects = [
        "undeliver", "undelivered", "returned mail", "delivery status notification", "delivery failure",
        "delivery failed", "failure notice", "mail delivery failed", "delivery has failed", "could not be delivered",
        "mail system error", "non remis", "échec de la remise", "echec de la remise", "non distribué",
        "no se puede entregar", "no entregado", "unzustellbar", "nicht zustellbar", "message not delivered",
        "delivery notification", "returned to sender", "permanent error",
    ]

    /// Local parts of the senders of bounces.
    static let bounceSenders = ["mailer-daemon", "postmaster", "mail-daemon", "maildaemon", "mailerdaemon"]

    /// Subjects of automatic replies, lower case.
    static let autoReplySubjects = [
        "out of office", "out of the office", "automatic reply", "auto reply", "autoreply", "auto-reply", "auto:",
        "vacation", "away from", "absence", "absent", "réponse automatique", "reponse automatique",
        "respuesta automática", "respuesta automatica", "fuera de la oficina", "abwesenheit", "automatische antwort",
        "on leave", "congé",
    ]

    static func looksLikeBounce(_ parsed: ParsedMessage) -> Bool {
        let subject = parsed.subject.lowercased()
        if bounceSubjects.contains(where: subject.contains) { return true }
        let senders = (parsed.from + [parsed.sender].compactMap { $0 }).map { $0.address.lowercased() }
        return senders.contains { address in
            let local = address.split(separator: "@").first.map(String.init) ?? address
            return bounceSenders.contains(local) || (parsed.from.first?.name?.lowercased().contains("mail delivery") ?? false)
        }
    }

    /// An automatic reply (RFC 3834 `Auto-Submitted: auto-replied`, the usual vendor fields, or a vacation subject)
    /// that is not from a mailer-daemon.
    static func isAutoReply(_ parsed: ParsedMessage) -> Bool {
        let subject = parsed.subject.lowercased()
        if bounceSubjects.contains(where: subject.contains) { return false }
        let auto = parsed.header("Auto-Submitted")?.lowercased() ?? ""
        if auto.hasPrefix("auto-replied") { return true }
        if parsed.header("X-Autoreply") != nil || parsed.header("X-Autorespond") != nil
            || parsed.header("X-Vacation") != nil { return true }
        if parsed.header("X-Auto-Response-Suppress") != nil, subject.hasPrefix("automatic reply") { return true }
        if (parsed.header("Precedence")?.lowercased()).map({ $0 == "auto_reply" }) ?? false { return true }
        return autoReplySubjects.contains(where: subject.contains) && !looksLikeBounce(parsed)
    }
}
