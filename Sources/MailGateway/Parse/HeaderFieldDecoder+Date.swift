internal import CEtPan
internal import Foundation

/// The date grammar (RFC 5322 §3.3, obsolete forms, and the asctime and ISO forms some senders write) of
/// `HeaderFieldDecoder`. Dates the gateway writes come from `RFC5322Date`.
extension HeaderFieldDecoder {
    /// RFC 5322 date-time (with obsolete zones and two-digit years) to an absolute Date; nil when absent
    /// or unparseable.
    static func date(_ bytes: Bytes) -> Date? {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
        var index = 0
        var dt: UnsafeMutablePointer<mailimf_date_time>? = nil
        let rc = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { p in
            mailimf_date_time_parse(p, bytes.count, &index, &dt)
        }
        guard rc == Int32(MAILIMF_NO_ERROR), let dt else {
            let s = unfold(bytes)
            return isoDate(s) ?? asctimeDate(s)
        }
        defer { mailimf_date_time_free(dt) }
        let v = dt.pointee
        var year = Int(v.dt_year)
        if year < 50 { year += 2000 } else if year < 1000 { year += 1900 }  // RFC 5322 §4.3
        let month = Int(v.dt_month)
        let day = Int(v.dt_day)
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(Int(v.dt_hour)),
            (0...59).contains(Int(v.dt_min)), (0...60).contains(Int(v.dt_sec)), year <= 9999
        else { return nil }
        // ±hhmm; libetpan misreads some obsolete zone names ("UT" as +0001), so named zones are read here.
        let zone = namedZone(bytes) ?? Int(v.dt_zone)
        let zoneMinutes = (zone >= 0 ? 1 : -1) * ((abs(zone) / 100) * 60 + abs(zone) % 100)
        let days = CivilDate.days(year: year, month: month, day: day)
        let seconds = days * 86_400 + Int(v.dt_hour) * 3600 + Int(v.dt_min) * 60 + Int(v.dt_sec) - zoneMinutes * 60
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Fallback for an asctime date with an optional numeric zone: `Wed Sep 30 19:56:38 2020 +1000`.
    static func asctimeDate(_ s: String) -> Date? {
        let words = s.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count >= 5, let base = MboxFromLine.asctime(Array(words[0..<5].joined(separator: " ").utf8))
        else { return nil }
        guard words.count >= 6, let z = Int(words[5]), words[5].count == 5 else { return base }
        let minutes = (z >= 0 ? 1 : -1) * ((abs(z) / 100) * 60 + abs(z) % 100)
        return base.addingTimeInterval(TimeInterval(-minutes * 60))
    }

    /// Fallback for a non-RFC `yyyy-mm-dd[T ]hh:mm[:ss][ ±hhmm|±hh:mm|Z]` date (written by some scripts).
    static func isoDate(_ s: String) -> Date? {
        let u = Array(s.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= u.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard u[i] >= 0x30, u[i] <= 0x39 else { return nil }
                v = v * 10 + Int(u[i] - 0x30)
            }
            return v
        }
        guard u.count >= 16, let y = number(0, 4), u[4] == 0x2D, let mo = number(5, 2), u[7] == 0x2D,
            let d = number(8, 2), u[10] == 0x20 || u[10] == 0x54, let h = number(11, 2), u[13] == 0x3A,
            let mi = number(14, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60
        else { return nil }
        var i = 16
        var sec = 0
        if u.count >= 19, u[16] == 0x3A, let s = number(17, 2), s <= 60 {
            sec = s
            i = 19
        }
        while i < u.count, u[i] == 0x20 { i += 1 }
        var offset = 0
        if i < u.count, u[i] == 0x2B || u[i] == 0x2D {
            let sign = u[i] == 0x2D ? -1 : 1
            guard let hh = number(i + 1, 2) else { return nil }
            var mm = 0
            if let m2 = number(i + 3, 2) {
                mm = m2
            } else if i + 3 < u.count, u[i + 3] == 0x3A, let m2 = number(i + 4, 2) {
                mm = m2
            }
            offset = sign * (hh * 60 + mm)
        }
        let days = CivilDate.days(year: y, month: mo, day: d)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + h * 3600 + mi * 60 + sec - offset * 60))
    }

    /// The offset (±hhmm) of an obsolete alphabetic zone (RFC 5322 §4.3) ending the date, nil when the
    /// zone is numeric. Military and unknown names count as -0000, as §4.3 advises.
    private static func namedZone(_ bytes: Bytes) -> Int? {
        var end = bytes.count
        // drop trailing blanks and comments
        while end > 0 {
            let c = bytes[end - 1]
            if HeaderSection.isBlank(c) {
                end -= 1
            } else if c == 0x29, let open = bytes[..<end].lastIndex(of: 0x28) {
                end = open
            } else {
                break
            }
        }
        var start = end
        while start > 0, isLetter(bytes[start - 1]) { start -= 1 }
        guard start < end, start == 0 || HeaderSection.isBlank(bytes[start - 1]) else { return nil }
        let name = String(decoding: Bytes(rebasing: bytes[start..<end]), as: UTF8.self).uppercased()
        switch name {
        case "UT", "GMT", "Z", "UTC": return 0
        case "EST": return -500
        case "EDT": return -400
        case "CST": return -600
        case "CDT": return -500
        case "MST": return -700
        case "MDT": return -600
        case "PST": return -800
        case "PDT": return -700
        default: return 0
        }
    }

    private static func isLetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
}
