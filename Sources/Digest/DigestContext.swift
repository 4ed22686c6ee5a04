internal import Foundation
import MailGateway

/// The values the digest templates see, for one message of an issue.
///
/// Top level (a body is shared by every member reading the same issue the same way: nothing names the member,
/// not even their issue number, which only the subject carries): `listName`, `listAddress`, the list's
/// subaddresses `leaveAddress`, `eachAddress` (`list+set.each@`), `nomailAddress`, `helpAddress`,
/// `requestAddress` (`list+request@`), `issueOfYear` (the
/// RFC 1153 issue number: the period end's day of the year), `issueDate` (the period's end, the
/// member's language and time zone), `periodStart` (`hasPeriodStart`), `volume` (the year, RFC 1153),
/// `part`, `partCount`, `isSplit`, `itemCount`, `threadCount`, `threads`.
/// Each thread: `subject`, `count`, `authors` (names joined by ", "), `anchor`, `items`.
/// Each item: `subject`, `author` (name, else address), `authorAddress`, `from` (the RFC 5322 mailbox, for
/// RFC 1153), `date` (localized), `rfcDate`, `text` (trimmed), `fullText` (as archived), `bodyHTML`
/// (escaped paragraphs, triple-mustache it), `attachments` (`name`, `type`, `sizeKB`), `hasAttachments`,
/// `replyLink`, `getLink` (DG-12), `sentSeparately`, `anchor`.
enum DigestContext {
    static func values(_ content: DigestContent, threads: [DigestContent.Thread], part: Int, partCount: Int)
        -> [String: Any] {
        let formatter = dateFormatter(content, date: .long, time: .short)
        var itemNumber = 0
        var threadValues: [[String: Any]] = []
        for (threadIndex, thread) in threads.enumerated() {
            var authors: [String] = []
            var itemValues: [[String: Any]] = []
            for item in thread.items {
                itemNumber += 1
                let name = displayName(item.author)
                if !authors.contains(name) { authors.append(name) }
                itemValues.append(values(item, number: itemNumber, list: content.list, formatter: formatter))
            }
            threadValues.append([
                "subject": oneLine(thread.subject), "count": String(thread.items.count),
                "isSingle": thread.items.count == 1, "authors": authors.joined(separator: ", "),
                "anchor": "t\(threadIndex + 1)", "items": itemValues,
            ])
        }
        let calendar = calendar(content)
        var c: [String: Any] = content.list.addresses.templateValues
        c.merge([
            "listName": content.list.name, "listAddress": content.list.address,
            "issueOfYear": String(calendar.ordinality(of: .day, in: .year, for: content.periodEnd) ?? 1),
            "issueDate": dateFormatter(content, date: .long, time: .none).string(from: content.periodEnd),
            "periodEnd": formatter.string(from: content.periodEnd),
            "volume": String(calendar.component(.year, from: content.periodEnd)),
            "part": String(part), "partCount": String(partCount), "isSplit": partCount > 1,
            "itemCount": String(itemNumber), "threadCount": String(threads.count), "threads": threadValues,
            "subjectTag": content.list.subjectPrefix ?? "[\(content.list.name)]",
        ]) { $1 }
        if let start = content.periodStart {
            c["periodStart"] = formatter.string(from: start)
            c["hasPeriodStart"] = true
        }
        if let archive = content.list.archiveURL { c["archiveURL"] = archive }
        return c
    }

    /// The values the subject template sees (the header's): the list, the member's number, the date, the part.
    static func subjectValues(_ content: DigestContent, part: Int, partCount: Int) -> [String: Any] {
        [
            "listName": content.list.name, "number": String(content.number),
            "issueDate": dateFormatter(content, date: .long, time: .none).string(from: content.periodEnd),
            "part": String(part), "partCount": String(partCount), "isSplit": partCount > 1,
            "subjectTag": content.list.subjectPrefix ?? "[\(content.list.name)]",
        ]
    }

    private static func values(_ item: DigestContent.Item, number: Int, list: ListIdentity, formatter: DateFormatter)
        -> [String: Any] {
        let text = DigestBodyText.trimmed(item.text)
        let attachments: [[String: Any]] = item.attachments.map {
            ["name": oneLine($0.filename ?? "—"), "type": oneLine($0.contentType),
             "sizeKB": String(max(1, ($0.size + 1023) / 1024))]
        }
        return [
            "subject": oneLine(item.subject), "author": displayName(item.author),
            "authorAddress": item.author.address, "from": oneLine(mailbox(item.author)),
            "date": formatter.string(from: item.date), "rfcDate": RFC5322Date.string(from: item.date),
            "text": text, "fullText": item.text, "plainText": rfc1153Safe(item.text), "bodyHTML": DigestBodyText.html(text),
            "attachments": attachments, "hasAttachments": !attachments.isEmpty,
            "replyLink": DigestReplyLink.mailto(listAddress: list.address, subject: item.subject,
                                                messageID: item.messageID, references: item.references),
            "getLink": DigestReplyLink.get(listAddress: list.address, messageRowID: item.messageRowID),
            "messageID": item.messageID, "sentSeparately": item.sentSeparately, "anchor": "m\(number)", "number": String(number),
        ]
    }

    /// RFC 1153 §3: a line of exactly 30 dashes inside a message would end it for a digest burster; such a line
    /// gets a space before it. Line ends become LF.
    static func rfc1153Safe(_ text: String) -> String {
        LineEndings.lf(text).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0 == String(repeating: "-", count: 30) ? " \($0)" : String($0) }
            .joined(separator: "\n").trimmingCharacters(in: .newlines)
    }

    static func displayName(_ address: MailAddress) -> String {
        if let name = address.name, !name.isEmpty { return oneLine(name) }
        return address.address
    }

    /// `Name <address>` as text (never encoded: it is body text).
    private static func mailbox(_ address: MailAddress) -> String {
        guard let name = address.name, !name.isEmpty else { return address.address }
        return "\(name) <\(address.address)>"
    }

    /// Control characters (a decoded subject may hide line breaks) become spaces.
    static func oneLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" ? " " : $0
        }))
    }

    private static func calendar(_ content: DigestContent) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = content.timeZone
        return calendar
    }

    /// The formatter of the content's language and time zone (``LocalizedDateFormatter``: built once).
    static func dateFormatter(_ content: DigestContent, date: DateFormatter.Style, time: DateFormatter.Style)
        -> DateFormatter {
        LocalizedDateFormatter.formatter(content.language, zone: content.timeZone, date: date, time: time)
    }
}
