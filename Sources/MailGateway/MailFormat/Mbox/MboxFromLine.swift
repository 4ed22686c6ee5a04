internal import Foundation

/// The `From ` separator line of an mbox (`From <sender> <asctime date>`), e.g.
/// `From tytso@mit.edu Mon Apr 19 15:28:51 2021`.
enum MboxFromLine {
    /// How strongly `line` looks like a message separator.
    enum Kind { case none, strict, loose }

    /// Classifies a line (with or without its line break). `strict`: `From <sender> <asctime date>`, always a
    /// separator. `loose`: `From -`, `From id@host`, or a sender followed by text holding a time `hh:mm`; the
    /// reader accepts it only when the next line is a header field. "From Russia with love" in an unescaped
    /// (mboxo) body is neither.
    static func classify(_ line: UnsafeBufferPointer<UInt8>) -> Kind {
        guard line.count >= 5, line[0] == 0x46, line[1] == 0x72, line[2] == 0x6F, line[3] == 0x6D, line[4] == 0x20
        else { return .none }
        let (sender, rest) = split(line)
        if sender.isEmpty { return rest.isEmpty ? .loose : .none }
        if asctime(rest) != nil { return .strict }
        if rest.isEmpty { return .loose }
        var i = 1
        while i + 1 < rest.count {
            if rest[i] == 0x3A, isDigit(rest[i - 1]), isDigit(rest[i + 1]) { return .loose }
            i += 1
        }
        return .none
    }

    /// Whether `line` starts like a header field (`Name:` with a printable name).
    static func looksLikeHeader(_ line: [UInt8]) -> Bool {
        var i = 0
        while i < line.count {
            let c = line[i]
            if c == 0x3A { return i > 0 }
            if c <= 0x20 || c >= 0x7F { return false }
            i += 1
        }
        return false
    }

    /// The sender token and the bytes after it.
    static func split(_ line: UnsafeBufferPointer<UInt8>) -> (sender: [UInt8], rest: [UInt8]) {
        var i = 5
        while i < line.count, line[i] == 0x20 { i += 1 }
        let start = i
        while i < line.count, line[i] != 0x20, line[i] != 0x09, line[i] != 0x0D, line[i] != 0x0A { i += 1 }
        let sender = Array(line[start..<i])
        while i < line.count, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
        var end = line.count
        if end > i, line[end - 1] == 0x0A { end -= 1 }
        if end > i, line[end - 1] == 0x0D { end -= 1 }
        while end > i, line[end - 1] == 0x20 || line[end - 1] == 0x09 { end -= 1 }
        return (sender, Array(line[i..<end]))
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Parses `Www Mmm [d]d hh:mm:ss yyyy` (asctime, read as UTC; a trailing zone or text is ignored).
    static func asctime(_ bytes: [UInt8]) -> Date? {
        let words = bytes.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
        guard words.count >= 5, words[0].count == 3, words[1].count == 3 else { return nil }
        let mon = String(decoding: words[1], as: UTF8.self).lowercased()
        guard let monthIndex = months.firstIndex(of: mon), let day = Int(String(decoding: words[2], as: UTF8.self)),
            (1...31).contains(day)
        else { return nil }
        let hms = words[3].split(separator: 0x3A).map { Int(String(decoding: $0, as: UTF8.self)) }
        guard hms.count == 3 || hms.count == 2, let h = hms[0], let m = hms[1], (0...23).contains(h), (0...59).contains(m)
        else { return nil }
        let s = hms.count == 3 ? (hms[2] ?? 0) : 0
        guard let year = Int(String(decoding: words[4], as: UTF8.self)), (1000...9999).contains(year) else { return nil }
        let days = CivilDate.days(year: year, month: monthIndex + 1, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + h * 3600 + m * 60 + s))
    }

    /// `From <sender> <asctime in UTC>` (day space-padded, as asctime(3) writes it), without the line break.
    static func format(sender: String, date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secs = seconds - days * 86_400
        let (y, mo, d) = CivilDate.civil(fromDays: days)
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][((days % 7) + 7) % 7]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][mo - 1]
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let dayText = d < 10 ? " \(d)" : "\(d)"
        return "From \(sender) \(weekday) \(month) \(dayText) \(two(secs / 3600)):\(two(secs % 3600 / 60)):\(two(secs % 60)) \(y)"
    }
}
