import Foundation

/// The recipients of a bounce written in words (no `message/delivery-status`): qmail ("Hi. This is the qmail-send
/// program … <addr>: …"), Exim ("  addr\n    SMTP error from remote mail server after RCPT TO:…: 550 …"), Postfix
/// without DSN ("<addr>: host … said: 550 …"), Gmail ("Delivery to the following recipient failed permanently:"),
/// Yahoo ("Sorry, we were unable to deliver your message to the following address. <addr>: Remote host said:
/// …"), Exchange ("Delivery has failed to these recipients or groups: addr … Remote Server returned '550 …'").
///
/// Every one of them names the failed address and then says why: each address found in the report (before the
/// returned copy of the message, and not in a header line of it) is a recipient, and the text from it to the next
/// address is its diagnostic, classified by ``BounceClassifier``. An address mentioned only as the report's sender
/// (`postmaster@`, `mailer-daemon@`) is not a recipient.
enum NonDSNBounce {
    /// Where the returned message starts in the usual wordings (lower case): the report is what comes before.
    static let copyMarkers = [
        "below this line is a copy of the message", "------ this is a copy of the message",
        "--- below this line is a copy", "original message follows", "----- original message -----",
        "original message headers:", "------- returned message", "----- the header of the original message",
        "--- the header of the original message", "------ returned mail follows", "message headers follow",
        "----- unsent message below -----", "-----original message-----",
    ]

    static func recipients(in parsed: ParsedMessage) -> [BounceReport.Recipient] {
        var text = parsed.text ?? ""
        if text.isEmpty, let html = parsed.html { text = html }
        let lowered = text.lowercased()
        if let cut = copyMarkers.compactMap({ lowered.range(of: $0)?.lowerBound }).min() {
            text = String(text[..<cut])
        }
        text = String(text.prefix(20_000))
        let excluded = Set((parsed.from + parsed.to).map { $0.address.lowercased() })
        var found: [(address: String, range: Range<String.Index>)] = []
        for (address, range) in addresses(in: text) {
            let key = address.lowercased()
            let local = key.split(separator: "@").first.map(String.init) ?? key
            guard !BounceMessageReader.bounceSenders.contains(local), !excluded.contains(key),
                  !isHeaderLine(text, at: range.lowerBound) else { continue }
            found.append((address, range))
        }
        var seen: Set<String> = []
        var result: [BounceReport.Recipient] = []
        for (index, entry) in found.enumerated() {
            let key = entry.address.lowercased()
            let next = found[(index + 1)...].first { $0.address.lowercased() != key }?.range.lowerBound ?? text.endIndex
            let end = max(next, entry.range.upperBound)
            let window = String(text[entry.range.upperBound..<end].prefix(1500))
            guard seen.insert(key).inserted else {
                // The same address again (Exchange names it twice): its second window may hold the code.
                if let i = result.firstIndex(where: { $0.address?.lowercased() == key }),
                   result[i].status == nil, let status = EnhancedStatus(window, anywhere: true) {
                    result[i].status = status
                    result[i].diagnostic = clean(window)
                    result[i].bounceClass = BounceClassifier.classify(status: status, text: window)
                }
                continue
            }
            let status = EnhancedStatus(window, anywhere: true)
            let diagnostic = clean(window)
            // A report whose words per address say nothing: the whole report is the diagnostic.
            let judged = diagnostic.count < 8 ? String(text.prefix(3000)) : window
            result.append(BounceReport.Recipient(address: entry.address, action: "failed", status: status,
                                                 diagnostic: diagnostic,
                                                 bounceClass: BounceClassifier.classify(status: status, text: judged)))
        }
        if result.isEmpty {
            // No address in it: one failure of unknown recipient, classified from the whole report.
            let status = EnhancedStatus(text, anywhere: true)
            result.append(BounceReport.Recipient(address: nil, action: "failed", status: status,
                                                 diagnostic: clean(String(text.prefix(1500))),
                                                 bounceClass: BounceClassifier.classify(status: status, text: text)))
        }
        return result
    }

    /// Whitespace collapsed, at most 500 characters.
    static func clean(_ text: String) -> String {
        String(text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ").prefix(500))
    }

    /// True when the address sits on a line that starts like a header field of the returned message.
    static func isHeaderLine(_ text: String, at index: String.Index) -> Bool {
        let lineStart = text[..<index].lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
        let head = text[lineStart..<index].lowercased()
        return ["from:", "to:", "cc:", "reply-to:", "return-path:", "sender:", "message-id:", "received:",
                "envelope-to:", "delivered-to:", "x-original-to:"].contains { head.hasPrefix($0) }
    }

    /// The addresses in `text` (a bounded scan: `local@domain.tld` with the usual characters).
    static func addresses(in text: String) -> [(String, Range<String.Index>)] {
        var result: [(String, Range<String.Index>)] = []
        var index = text.startIndex
        // The end of the previous address: a local part never reaches back into it (`a@b.com@c.org` gives
        // `a@b.com` and no overlapping `b.com@c.org`), so the ranges found are ordered and disjoint.
        var lowerLimit = text.startIndex
        func isLocal(_ c: Character) -> Bool {
            c.isASCII && (c.isLetter || c.isNumber || "._%+-=!#$&'*/?^`{|}~".contains(c))
        }
        func isDomain(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-") }
        while let at = text[index...].firstIndex(of: "@"), result.count < 200 {
            var start = at
            while start > lowerLimit, isLocal(text[text.index(before: start)]) { start = text.index(before: start) }
            var end = text.index(after: at)
            while end < text.endIndex, isDomain(text[end]) { end = text.index(after: end) }
            var domain = text[text.index(after: at)..<end]
            while domain.last == "." || domain.last == "-" { domain = domain.dropLast(); end = domain.endIndex }
            var local = text[start..<at]
            while local.first == "." || local.first == "'" { local = local.dropFirst(); start = local.startIndex }
            if !local.isEmpty, domain.contains("."), domain.split(separator: ".").last.map({ $0.count >= 2 }) == true {
                result.append(("\(local)@\(domain)", start..<end))
                lowerLimit = end
            }
            index = max(text.index(after: at), lowerLimit)
        }
        return result
    }
}
