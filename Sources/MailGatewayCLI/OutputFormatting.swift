public import ArgumentParser
package import Foundation
public import MailGatewayCore

// Shared helpers of the commands' output: tables, dates, JSON, text made safe for a terminal.

/// Prints a value as pretty, sorted-keys JSON with ISO 8601 dates. Every control character a terminal could
/// act on is escaped (`\u001b`): the encoder escapes C0; DEL, C1 and the bidirectional controls (see
/// ``terminalSafe(_:multiline:)``) are escaped here. They can only occur inside strings, so the JSON means the
/// same.
package func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let text = String(decoding: try encoder.encode(value), as: UTF8.self)
    // The line feeds between values are the pretty-printer's own; inside strings the encoder escaped C0.
    func escaped(_ scalar: Unicode.Scalar) -> Bool { scalar.value != 0x0A && isTerminalControl(scalar) }
    guard text.unicodeScalars.contains(where: escaped) else { return print(text) }
    var out = ""
    for scalar in text.unicodeScalars {
        if escaped(scalar) {
            out += String(format: "\\u%04x", scalar.value)
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    print(out)
}

/// True for the characters a terminal acts on instead of showing, or that reorder what follows them: C0
/// controls, DEL, C1 controls (U+0080–U+009F: U+009B is a one-byte CSI), and the Unicode bidirectional
/// controls U+061C, U+200E, U+200F, U+202A–U+202E and U+2066–U+2069.
package func isTerminalControl(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
    default: false
    }
}

/// Text from mail (or from a remote server) made safe to print for a person: every terminal control (see
/// ``isTerminalControl(_:)``) becomes U+FFFD (�), so a subject can neither send escape sequences (retitle the
/// terminal, move the cursor, hide or recolour text) nor reorder the text after it; the operator sees that
/// something was there. Line breaks (LF, CR, CRLF, NEL, U+2028, U+2029) and tabs become one space, unless
/// `multiline`, where LF and tab stay, CRLF becomes LF, and a lone CR or NEL is replaced like the others.
package func terminalSafe(_ text: String, multiline: Bool = false) -> String {
    guard text.unicodeScalars.contains(where: { isTerminalControl($0) || $0.value == 0x2028 || $0.value == 0x2029 })
    else { return text }
    var out = String.UnicodeScalarView()
    let scalars = Array(text.unicodeScalars)
    var i = 0
    while i < scalars.count {
        let scalar = scalars[i]
        i += 1
        let v = scalar.value
        if v == 0x0D, i < scalars.count, scalars[i].value == 0x0A {
            i += 1
            out.append(multiline ? "\n" : " ")
        } else if v == 0x0A || v == 0x09 {
            out.append(multiline ? scalar : " ")
        } else if v == 0x0D || v == 0x85 || v == 0x2028 || v == 0x2029 {
            out.append(multiline && v >= 0x2028 ? scalar : (multiline ? "\u{FFFD}" : " "))
        } else if isTerminalControl(scalar) {
            out.append("\u{FFFD}")
        } else {
            out.append(scalar)
        }
    }
    return String(out)
}

/// A date in local time (the process's time zone: `TZ`, else /etc/localtime), `yyyy-MM-dd HH:mm`. By the C
/// library (`localtime_r`, `strftime`): a `DateFormatter` per date cost about 0.25 ms of ICU set-up each, 5 ms for
/// the 20 dates of a search page.
package func localTime(_ date: Date?) -> String {
    guard let date else { return "-" }
    var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
    var parts = tm()
    guard localtime_r(&seconds, &parts) != nil else { return "-" }
    var buffer = [CChar](repeating: 0, count: 32)
    let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M", &parts)
    return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The number of terminal columns a string takes: wide (CJK, fullwidth, emoji) characters count 2, combining
/// marks and format characters 0 (they belong to the preceding character).
package func displayWidth(_ text: String) -> Int {
    var width = 0
    for character in text {
        guard let scalar = character.unicodeScalars.first else { continue }
        let v = scalar.value
        switch scalar.properties.generalCategory {
        case .control, .format, .nonspacingMark, .enclosingMark: continue
        default: break
        }
        let isWide = (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
            || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
            || scalar.properties.isEmojiPresentation
            || character.unicodeScalars.contains { $0.value == 0xFE0F }
        width += isWide ? 2 : 1
    }
    return width
}

/// Prints rows as aligned columns under a header (the last column is not padded). Cells go through
/// ``terminalSafe(_:multiline:)``: line breaks and tabs become spaces, so that a subject cannot break the table,
/// and other controls U+FFFD.
package func printTable(_ header: [String], _ rows: [[String]]) {
    let clean: [[String]] = ([header] + rows).map { row in
        row.map { terminalSafe($0) }
    }
    var widths = Array(repeating: 0, count: header.count)
    for row in clean {
        for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], displayWidth(cell)) }
    }
    for row in clean {
        var line = ""
        for (i, cell) in row.enumerated() {
            line += cell
            if i < row.count - 1 { line += String(repeating: " ", count: widths[i] - displayWidth(cell) + 2) }
        }
        while line.hasSuffix(" ") { line.removeLast() }
        print(line)
    }
}

/// Cuts a text to about `limit` columns, with an ellipsis; it is made ``terminalSafe(_:multiline:)`` first.
package func truncated(_ text: String, to limit: Int) -> String {
    let text = terminalSafe(text)
    guard displayWidth(text) > limit else { return text }
    var result = ""
    for character in text {
        if displayWidth(result + String(character)) > limit - 1 { break }
        result.append(character)
    }
    return result + "…"
}

/// The operator recorded with a moderation decision: `cli:` and the login name.
package func operatorName() -> String {
    let env = ProcessInfo.processInfo.environment
    return "cli:" + (env["USER"] ?? env["LOGNAME"] ?? ProcessInfo.processInfo.userName)
}

extension Language: ExpressibleByArgument {}

/// Pads a text with spaces to `width` columns.
package func padded(_ text: String, to width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - displayWidth(text)))
}

/// Parses `YYYY-MM-DD` (local midnight) or a full ISO 8601 date-time.
package func parseDate(_ text: String) -> Date? {
    if let date = ISO8601DateFormatter().date(from: text) { return date }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone.current
    formatter.dateFormat = "yyyy-MM-dd"
    return formatter.date(from: text)
}
