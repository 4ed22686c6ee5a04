import Foundation

/// Printing helpers shared by the commands: aligned tables that count display width (accents, CJK), local dates,
/// JSON with ISO 8601 dates.
enum Output {
    /// Display width of a string in a terminal: combining marks take no column, East Asian wide characters two.
    static func width(_ s: String) -> Int {
        var w = 0
        for scalar in s.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .format: continue
            default: break
            }
            let v = scalar.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v) || (0x1F900...0x1F9FF).contains(v)
                || (0x20000...0x3FFFD).contains(v)
            w += wide ? 2 : 1
        }
        return w
    }

    /// Cuts a string to at most `max` columns, marking the cut with `…`.
    static func truncate(_ s: String, to max: Int) -> String {
        guard width(s) > max, max > 1 else { return s }
        var out = ""
        var w = 0
        for ch in s {
            let cw = width(String(ch))
            if w + cw > max - 1 { break }
            out.append(ch)
            w += cw
        }
        return out + "…"
    }

    static func pad(_ s: String, to n: Int) -> String {
        s + String(repeating: " ", count: Swift.max(0, n - width(s)))
    }

    /// Prints rows as aligned columns under a header; the last column is not padded.
    static func table(_ header: [String], _ rows: [[String]]) {
        var widths = header.map(width)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = Swift.max(widths[i], width(cell)) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : pad(c, to: widths[i]) }.joined(separator: "  ")
        }
        print(line(header))
        for row in rows { print(line(row)) }
    }

    /// `yyyy-MM-dd HH:mm` in the local time zone.
    static func date(_ date: Date?) -> String {
        guard let date else { return "-" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = .current
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: date)
    }

    /// Pretty, sorted JSON with ISO 8601 dates.
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.dataEncodingStrategy = .base64
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Parses `YYYY-MM-DD` (local midnight) or a full ISO 8601 date-time.
    static func parseDate(_ text: String) -> Date? {
        let iso = ISO8601DateFormatter()
        if let d = iso.date(from: text) { return d }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = .current
        f.dateFormat = "yyyy-MM-dd"
        return f.date(from: text)
    }
}
