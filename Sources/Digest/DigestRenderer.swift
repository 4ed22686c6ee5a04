public import Foundation
import MailGateway
import Synchronization

/// Renders a digest issue (``DigestContent``) in its member's format and language, from the
/// `templates/<lang>/digest-*.mustache` templates. Pure: no store, no clock, no randomness (the same content,
/// Message-ID and date give the same bytes).
///
/// Every message is From the list's own name and address (never an author's: no DMARC rewriting needed), To the
/// member, with the list's List-* fields, `Precedence: list`, `Auto-Submitted: auto-generated` and
/// `X-Auto-Response-Suppress: All`. An issue over ``DigestPartition/maxItems`` items or about
/// ``DigestPartition/maxHTMLBytes`` of HTML is cut into several messages, whole threads each: the second has
/// the Message-ID `<local>.2@<domain>`, the third `.3`, ..., and the subject ends with `(2/3)`.
///
/// Formats:
/// - `digest`: multipart/alternative, text then HTML (inline CSS, one column of at most 600 px, no image, no
///   script, no external resource), both UTF-8 quoted-printable: table of contents by thread, then each post
///   with quotes and signature trimmed, its attachments listed and a `mailto:` Reply link;
/// - `digest-plain`: RFC 1153 text;
/// - `digest-mime`: RFC 2046 multipart/digest, a table of contents then each post's exact bytes;
/// - `summary`: threads, authors and counts, text and HTML.
public struct DigestRenderer: DigestRendering {
    private let templates: DigestTemplates

    /// Loads the digest templates of every language from `directory` (`fr/`, `en/`, `es/`).
    /// - Throws: ``DigestTemplateError`` when one is missing or does not parse.
    public init(templatesDirectory directory: String) throws {
        templates = try DigestTemplates(directory: directory)
    }

    public func bodies(_ content: DigestContent) throws -> [[UInt8]] {
        let parts = DigestPartition.parts(content.threads, withBody: content.format != .summary)
        let key = content.bodyKey
        return parts.enumerated().map { index, threads in
            let values = DigestContext.values(content, threads: threads, part: index + 1, partCount: parts.count)
            let boundary = Self.boundary(key: "\(key)|\(index + 1)")
            switch content.format {
            case .mime:
                return alternative(text: .text, html: .html, content.language, values, boundary: boundary)
            case .summary:
                return alternative(text: .summaryText, html: .summaryHTML, content.language, values, boundary: boundary)
            case .plain:
                let text = templates.render(.plain, language: content.language, values)
                return Array(("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                    + QuotedPrintable.encode(text)).utf8)
            case .rfc2046:
                return digest(threads, contents: templates.render(.mimeContents, language: content.language, values),
                              boundary: boundary)
            }
        }
    }

    public func header(_ content: DigestContent, messageID: String, date: Date, part: Int, partCount: Int) -> [UInt8] {
        // Thousands of members of a run share their subject (same list, language, zone, date and number: most
        // joined together) and the Date field: each is rendered once.
        let subjectKey = "\(content.list.listID)|\(content.language.rawValue)|\(content.timeZone.identifier)|"
            + "\(content.periodEnd.timeIntervalSince1970)|\(content.number)|\(part)|\(partCount)"
        // The encoded Subject field, and the list's own fields (the same for every member of the list).
        let subjectField = headerCache.mutex.withLock { $0.subjects[subjectKey] } ?? {
            let values = DigestContext.subjectValues(content, part: part, partCount: partCount)
            let text = templates.render(.subject, language: content.language, values)
            let subject = text.split(whereSeparator: \.isNewline).first
                .map { DigestContext.oneLine(String($0)).trimmingCharacters(in: .whitespaces) } ?? ""
            let field = "Subject: \(HeaderEncoding.unstructured(subject))"
            headerCache.mutex.withLock { cache in
                if cache.subjects.count > 10_000 { cache.subjects.removeAll() }
                cache.subjects[subjectKey] = field
            }
            return field
        }()
        // The list's name may be the member's language's: part of the key.
        let listKey = "\(content.list.listID)|\(content.list.name)|\(content.list.archiveURL ?? "")"
        let listFields = headerCache.mutex.withLock { $0.listFields[listKey] } ?? {
            let fields = Self.listFields(content.list)
            headerCache.mutex.withLock { $0.listFields[listKey] = fields }
            return fields
        }()
        let dateField = headerCache.mutex.withLock { cache in
            if let last = cache.date, last.0 == date { return last.1 }
            let text = RFC5322Date.string(from: date)
            cache.date = (date, text)
            return text
        }
        return Array(Self.header(content, subjectField: subjectField, listFields: listFields,
                                 messageID: Self.messageID(messageID, part: part), dateField: dateField).utf8)
    }

    /// Rendered Subject fields, each list's own fields and the last Date field, shared by the members of a run.
    private struct HeaderCache {
        var subjects: [String: String] = [:]
        var listFields: [String: (from: String, list: String)] = [:]
        var date: (Date, String)?
    }

    private final class HeaderCacheBox: Sendable {
        let mutex = Mutex(HeaderCache())
    }

    private let headerCache = HeaderCacheBox()

    /// The Message-ID of part `part` (without brackets): the first as given, then `.2`, `.3`... added to the
    /// local part (`abc@host` → `abc.2@host`).
    public static func messageID(_ first: String, part: Int) -> String {
        guard part > 1 else { return first }
        guard let at = first.lastIndex(of: "@") else { return "\(first).\(part)" }
        return "\(first[..<at]).\(part)\(first[at...])"
    }

    /// The header fields, each ending with CRLF, without the body's Content-* fields.
    /// The fields that depend on the list only: From, and `MIME-Version` to `List-Archive` (CRLF-terminated).
    private static func listFields(_ list: ListIdentity) -> (from: String, list: String) {
        var fields = [
            "MIME-Version: 1.0",
            "List-Id: \(HeaderEncoding.phrase(list.name)) <\(list.listID)>",
            "List-Post: <mailto:\(list.address)>",
            "List-Help: <mailto:\(list.addresses.help)>",
            "List-Subscribe: <mailto:\(list.addresses.join)>",
            "List-Owner: <mailto:\(list.addresses.owner)>",
        ]
        if let archive = list.archiveURL { fields.append("List-Archive: <\(archive)>") }
        return ("From: \(HeaderEncoding.mailbox(MailAddress(name: list.name, address: list.address)))",
                fields.joined(separator: "\r\n"))
    }

    private static func header(_ content: DigestContent, subjectField: String, listFields: (from: String, list: String),
                               messageID: String, dateField: String) -> String {
        var fields = [
            listFields.from,
            "To: \(HeaderEncoding.mailbox(content.recipient))",
            subjectField,
            "Date: \(dateField)",
            "Message-ID: <\(messageID)>",
            listFields.list,
        ]
        if let unsubscribe = content.unsubscribe?.trimmingCharacters(in: .whitespacesAndNewlines), !unsubscribe.isEmpty,
           !unsubscribe.contains(where: \.isNewline) {
            var value = unsubscribe.hasPrefix("<") ? unsubscribe : "<\(unsubscribe)>"
            if let url = content.oneClickURL, url.hasPrefix("https://"), !url.contains(where: { $0.isNewline || $0 == ">" }) {
                value += ",\r\n <\(url)>"
                fields.append("List-Unsubscribe: " + value)
                fields.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
            } else {
                fields.append("List-Unsubscribe: " + value)
            }
        }
        fields += ["Precedence: list", "Auto-Submitted: auto-generated", "X-Auto-Response-Suppress: All"]
        return fields.joined(separator: "\r\n") + "\r\n"
    }

    /// multipart/alternative: the text then the HTML, both UTF-8 quoted-printable (whose output never holds
    /// `=_`, so never a boundary starting with it).
    private func alternative(text: DigestTemplates.Name, html: DigestTemplates.Name, _ language: Language,
                             _ values: [String: Any], boundary: String) -> [UInt8] {
        let textBody = QuotedPrintable.encode(templates.render(text, language: language, values))
        let htmlBody = QuotedPrintable.encode(templates.render(html, language: language, values))
        return Array(("Content-Type: multipart/alternative; boundary=\"\(boundary)\"\r\n\r\n"
            + "--\(boundary)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + textBody
            + "--\(boundary)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + htmlBody
            + "--\(boundary)--\r\n").utf8)
    }

    /// multipart/digest (RFC 2046 §5.1.5): the table of contents as text/plain, then each post (announcements
    /// already sent excepted) as message/rfc822 with its exact bytes, CRLF line ends. The boundary is one no
    /// part holds.
    private func digest(_ threads: [DigestContent.Thread], contents: String, boundary first: String) -> [UInt8] {
        let posts = threads.flatMap(\.items).filter { !$0.sentSeparately }.map { LineEndings.crlf($0.raw) }
        var boundary = first
        var attempt = 1
        while posts.contains(where: { Self.contains($0, Array("--\(boundary)".utf8)) }) {
            attempt += 1
            boundary = "\(first).\(attempt)"
        }
        var out = Array(("Content-Type: multipart/digest; boundary=\"\(boundary)\"\r\n\r\n"
            + "--\(boundary)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + QuotedPrintable.encode(contents)).utf8)
        for post in posts {
            let eightBit = post.contains { $0 >= 0x80 }
            out += Array("--\(boundary)\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: \(eightBit ? "8bit" : "7bit")\r\n\r\n".utf8)
            out += post
            // The CRLF before a delimiter belongs to it (RFC 2046 §5.1.1): the post keeps its own last line end.
            out += [13, 10]
        }
        out += Array("--\(boundary)--\r\n".utf8)
        return out
    }

    /// A boundary derived from what the body depends on (FNV-1a), so that the output is reproducible and members
    /// reading the same issue the same way get the same bytes.
    private static func boundary(key: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return "=_digest_" + String(hash, radix: 16)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
