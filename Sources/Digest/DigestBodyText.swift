internal import Foundation
import MailGateway

/// A post's text as the default digest shows it: quoted blocks (`>` lines and the "On … wrote:" line that
/// introduces them, in English, French or Spanish) and the signature (`-- ` and what follows) trimmed; and the
/// same text as HTML paragraphs, every character escaped.
enum DigestBodyText {
    /// The text without quotes and signature, without leading, trailing or repeated blank lines. A text that
    /// would be left empty (a post that only quotes) is kept whole, so that an item never shows nothing.
    static func trimmed(_ text: String) -> String {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var kept: [String] = []
        for (index, line) in lines.enumerated() {
            if line == "-- " || line == "--" { break }
            if isQuoted(line) { continue }
            if isAttribution(line), introducesQuote(lines, after: index) {
                // A two-line attribution ("On Mon, 1 Dec 2026, Marie Dupont" / "<m@x.org> wrote:").
                if let last = kept.last, startsAttribution(last), !isAttributionEnd(last) { kept.removeLast() }
                continue
            }
            if startsAttribution(line), index + 1 < lines.count, isAttributionEnd(lines[index + 1]),
               introducesQuote(lines, after: index + 1) {
                continue
            }
            kept.append(line)
        }
        var out: [String] = []
        for line in kept {
            let blank = line.allSatisfy(\.isWhitespace)
            if blank, out.last.map({ $0.isEmpty }) ?? true { continue }
            out.append(blank ? "" : line)
        }
        while out.last == "" { out.removeLast() }
        return out.isEmpty ? text.trimmingCharacters(in: .whitespacesAndNewlines) : out.joined(separator: "\n")
    }

    /// `text` as HTML: blank-line separated paragraphs (`<p>`), line breaks inside them (`<br>`), escaped.
    static func html(_ text: String) -> String {
        let paragraphs = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        return paragraphs.map { paragraph in
            "<p style=\"margin:0 0 12px 0;\">"
                + paragraph.split(separator: "\n", omittingEmptySubsequences: false)
                    .map { escape(String($0)) }.joined(separator: "<br>\n")
                + "</p>"
        }.joined(separator: "\n")
    }

    /// HTML escape of text (element content and quoted attribute values).
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    private static func isQuoted(_ line: String) -> Bool {
        line.drop(while: { $0 == " " || $0 == "\t" }).first == ">"
    }

    /// True when the next non-blank line after `index` is quoted.
    private static func introducesQuote(_ lines: [String], after index: Int) -> Bool {
        var i = index + 1
        while i < lines.count, lines[i].allSatisfy(\.isWhitespace) { i += 1 }
        return i < lines.count && isQuoted(lines[i])
    }

    // The attribution lines are the command reader's (`ReplyLines`): one list of what mail clients write.
    private static func startsAttribution(_ line: String) -> Bool { ReplyLines.startsAttribution(line) }
    private static func isAttributionEnd(_ line: String) -> Bool { ReplyLines.endsAttribution(line) }
    private static func isAttribution(_ line: String) -> Bool { isAttributionEnd(line) }
}
