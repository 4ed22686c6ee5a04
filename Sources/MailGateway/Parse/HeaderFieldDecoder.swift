internal import CEtPan
internal import Foundation

/// Decodes structured header values with libetpan's RFC 5322 parsers (`mailimf_*`) and RFC 2047 decoder
/// (`mailmime_encoded_phrase_parse`). Every libetpan structure is freed before returning. Input is a byte
/// range of the message buffer (folded value, after the colon).
enum HeaderFieldDecoder {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    // MARK: Unstructured text (Subject, display names)

    /// Decodes RFC 2047 encoded words (any charset iconv knows; adjacent words joined) and raw 8-bit
    /// text (UTF-8 per RFC 6532, else windows-1252). Unfolds and trims.
    static func text(_ bytes: Bytes, problems: inout [String]) -> String {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return "" }
        if !containsEncodedWord(bytes) { return unfold(bytes) }
        let isUTF8 = String(validating: bytes, as: UTF8.self) != nil
        var index = 0
        var result: UnsafeMutablePointer<CChar>? = nil
        let rc = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { p in
            mailmime_encoded_phrase_parse(isUTF8 ? "utf-8" : "windows-1252", p, bytes.count, &index, "utf-8", &result)
        }
        guard let result else {
            problems.append("undecodable RFC 2047 text (libetpan error \(rc)); kept as written")
            return unfold(bytes)
        }
        defer { free(result) }
        guard rc == Int32(MAILIMF_NO_ERROR) else {
            problems.append("undecodable RFC 2047 text (libetpan error \(rc)); kept as written")
            return unfold(bytes)
        }
        let decoded = String(cString: result)  // repairs invalid UTF-8 with U+FFFD
        return collapseBlanks(decoded)
    }

    /// The same for a C string produced by libetpan (a display name still holding encoded words).
    static func text(cString: UnsafePointer<CChar>, problems: inout [String]) -> String {
        let n = strlen(cString)
        return cString.withMemoryRebound(to: UInt8.self, capacity: n) { p in
            text(Bytes(start: p, count: n), problems: &problems)
        }
    }

    static func containsEncodedWord(_ bytes: Bytes) -> Bool {
        guard let base = bytes.baseAddress, bytes.count >= 2 else { return false }
        var from = 0
        while from < bytes.count - 1 {
            guard let hit = memchr(base + from, 0x3D, bytes.count - from - 1) else { return false }
            let i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if base[i + 1] == 0x3F { return true }
            from = i + 1
        }
        return false
    }

    /// Removes line breaks, trims, decodes UTF-8 (or windows-1252).
    static func unfold(_ bytes: Bytes) -> String {
        HeaderSection.unfoldedValue(bytes, RawHeaderField(name: "", start: 0, valueStart: 0, valueEnd: bytes.count))
    }

    private static func collapseBlanks(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for u in s.unicodeScalars {
            if u == " " || u == "\t" || u == "\r" || u == "\n" {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" ") }
            pendingSpace = false
            out.append(u)
        }
        return String(out)
    }

    // MARK: Addresses

    /// Parses an address list (RFC 5322 §3.4; groups flattened). What libetpan cannot parse is recovered
    /// by a tolerant scan for `addr@domain` tokens, and reported in `problems` (with the field name only).
    static func addresses(_ bytes: Bytes, field: String, problems: inout [String]) -> [MailAddress] {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return [] }
        var result: [MailAddress] = []
        var index = 0
        var recovered = false
        base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { p in
            while index < bytes.count {
                index = skipCommentsAndBlanks(bytes, from: index, alsoCommas: true)
                if index >= bytes.count { break }
                var list: UnsafeMutablePointer<mailimf_address_list>? = nil
                let start = index
                let rc = mailimf_address_list_parse(p, bytes.count, &index, &list)
                if rc == Int32(MAILIMF_NO_ERROR), let list {
                    appendAddresses(list.pointee.ad_list, to: &result, recovered: &recovered, problems: &problems)
                    mailimf_address_list_free(list)
                    // A trailing comment after a lone address ("a@b (Name)") gives the display name.
                    let after = skipBlanks(bytes, from: index)
                    if after < bytes.count, base[after] == 0x28, let last = result.last, last.name == nil,
                        let comment = commentText(bytes, at: after)
                    {
                        result[result.count - 1].name = comment.isEmpty ? nil : comment
                    }
                }
                if index <= start || rc != Int32(MAILIMF_NO_ERROR) {
                    // Recover this comma-separated piece by hand, then go on after it.
                    let end = nextComma(bytes, from: start)
                    if let mb = recover(Bytes(rebasing: bytes[start..<end]), problems: &problems) { result.append(mb) }
                    recovered = true
                    index = end + 1
                }
            }
        }
        if recovered { problems.append("malformed address in \(field); recovered what could be read") }
        return result
    }

    private static func appendAddresses(
        _ list: UnsafeMutablePointer<clist>?, to result: inout [MailAddress], recovered: inout Bool,
        problems: inout [String]
    ) {
        var it = cetpan_clist_begin(list)
        while let cell = it {
            defer { it = cetpan_clist_next(cell) }
            guard let ad = cetpan_clist_content(cell)?.assumingMemoryBound(to: mailimf_address.self) else { continue }
            if Int(ad.pointee.ad_type) == MAILIMF_ADDRESS_MAILBOX {
                if let mb = ad.pointee.ad_data.ad_mailbox,
                    let a = mailbox(mb, recovered: &recovered, problems: &problems)
                {
                    result.append(a)
                }
            } else if let group = ad.pointee.ad_data.ad_group, let mbl = group.pointee.grp_mb_list {
                var git = cetpan_clist_begin(mbl.pointee.mb_list)
                while let gcell = git {
                    defer { git = cetpan_clist_next(gcell) }
                    if let mb = cetpan_clist_content(gcell)?.assumingMemoryBound(to: mailimf_mailbox.self),
                        let a = mailbox(mb, recovered: &recovered, problems: &problems)
                    {
                        result.append(a)
                    }
                }
            }
        }
    }

    private static func mailbox(
        _ mb: UnsafeMutablePointer<mailimf_mailbox>, recovered: inout Bool, problems: inout [String]
    ) -> MailAddress? {
        guard let spec = mb.pointee.mb_addr_spec else { return nil }
        var address = String(cString: spec)
        var name: String? = nil
        if let dn = mb.pointee.mb_display_name {
            let decoded = text(cString: dn, problems: &problems)
            name = decoded.isEmpty ? nil : decoded
        }
        // libetpan accepts some garbage ("foo bar <a@b" -> "foobar<a@b"): keep the part after '<'.
        if address.utf8.contains(0x3C) || address.utf8.contains(0x3E) {
            recovered = true
            if let lt = address.lastIndex(of: "<") { address = String(address[address.index(after: lt)...]) }
            address = address.replacingOccurrences(of: ">", with: "")
        }
        if address.isEmpty { return nil }
        return MailAddress(name: name, address: address)
    }

    /// Tolerant reading of one address piece: `Name <a@b>`, `<a@b>`, `a@b`, `a@b (Name)`.
    private static func recover(_ piece: Bytes, problems: inout [String]) -> MailAddress? {
        let s = unfold(piece)
        if s.isEmpty { return nil }
        if let lt = s.firstIndex(of: "<") {
            let rest = s[s.index(after: lt)...]
            let addr = rest.prefix { $0 != ">" }.trimmingCharacters(in: .whitespaces)
            var name = s[..<lt].trimmingCharacters(in: CharacterSet(charactersIn: " \t\""))
            if name.contains("=?") {
                name = name.utf8CString.withUnsafeBufferPointer { text(cString: $0.baseAddress!, problems: &problems) }
            }
            guard !addr.isEmpty else { return nil }
            return MailAddress(name: name.isEmpty ? nil : name, address: addr)
        }
        for token in s.split(whereSeparator: { $0 == " " || $0 == "\t" }) where token.utf8.contains(0x40) {
            let addr = token.trimmingCharacters(in: CharacterSet(charactersIn: "\"'();:[]"))
            if !addr.isEmpty { return MailAddress(address: addr) }
        }
        return nil
    }

    private static func skipBlanks(_ bytes: Bytes, from: Int) -> Int {
        var i = from
        while i < bytes.count, HeaderSection.isBlank(bytes[i]) { i += 1 }
        return i
    }

    private static func skipCommentsAndBlanks(_ bytes: Bytes, from: Int, alsoCommas: Bool) -> Int {
        var i = from
        while i < bytes.count {
            let c = bytes[i]
            if HeaderSection.isBlank(c) || (alsoCommas && c == 0x2C) {
                i += 1
            } else if c == 0x28 {
                i = commentEnd(bytes, at: i)
            } else {
                break
            }
        }
        return i
    }

    /// Index after the comment that starts at `at` (nested parentheses, backslash escapes).
    private static func commentEnd(_ bytes: Bytes, at: Int) -> Int {
        var depth = 0
        var i = at
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x5C { i += 2; continue }
            if c == 0x28 { depth += 1 }
            if c == 0x29 {
                depth -= 1
                if depth == 0 { return i + 1 }
            }
            i += 1
        }
        return bytes.count
    }

    private static func commentText(_ bytes: Bytes, at: Int) -> String? {
        let end = commentEnd(bytes, at: at)
        guard end - at >= 2, bytes[end - 1] == 0x29 else { return nil }
        var ignored: [String] = []
        return text(Bytes(rebasing: bytes[(at + 1)..<(end - 1)]), problems: &ignored)
    }

    /// The next comma outside quotes, angle brackets and comments (or the end).
    private static func nextComma(_ bytes: Bytes, from: Int) -> Int {
        var i = from
        var inQuote = false
        var inAngle = false
        while i < bytes.count {
            let c = bytes[i]
            if inQuote {
                if c == 0x5C { i += 2; continue }
                if c == 0x22 { inQuote = false }
            } else if c == 0x22 {
                inQuote = true
            } else if c == 0x3C {
                inAngle = true
            } else if c == 0x3E {
                inAngle = false
            } else if c == 0x28 {
                i = commentEnd(bytes, at: i)
                continue
            } else if c == 0x2C, !inAngle {
                return i
            }
            i += 1
        }
        return bytes.count
    }

    // MARK: Date

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
        let days = daysFromCivil(year: year, month: month, day: day)
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
        let days = daysFromCivil(year: y, month: mo, day: d)
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

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    // MARK: Message ids

    /// Message ids (RFC 5322 §3.6.4) without angle brackets, in order. libetpan's `mailimf_msg_id_list_parse`
    /// first; when it fails or leaves text behind, every `<...>` token; when there is none, blank-separated
    /// tokens containing `@`. Blanks inside ids (folded ids) are removed.
    static func messageIDs(_ bytes: Bytes) -> [String] {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return [] }
        var ids: [String] = []
        var index = 0
        var list: UnsafeMutablePointer<clist>? = nil
        let rc = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { p in
            mailimf_msg_id_list_parse(p, bytes.count, &index, &list)
        }
        if rc == Int32(MAILIMF_NO_ERROR), let list {
            var it = cetpan_clist_begin(list)
            while let cell = it {
                if let s = cetpan_clist_content(cell)?.assumingMemoryBound(to: CChar.self) {
                    ids.append(cleanID(String(cString: s)))
                }
                it = cetpan_clist_next(cell)
            }
            // Free the list and its strings (mailimf_msg_id_free is free()).
            var fit = cetpan_clist_begin(list)
            while let cell = fit {
                free(cetpan_clist_content(cell))
                fit = cetpan_clist_next(cell)
            }
            clist_free(list)
        }
        let rest = skipCommentsAndBlanks(bytes, from: index, alsoCommas: true)
        if rc != Int32(MAILIMF_NO_ERROR) || rest < bytes.count || ids.isEmpty {
            ids = bracketTokens(bytes)
            if ids.isEmpty {
                let s = unfold(bytes)
                ids = s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).filter { $0.utf8.contains(0x40) }
                    .map { cleanID(String($0)) }
            }
        }
        return ids.filter { !$0.isEmpty }
    }

    private static func bracketTokens(_ bytes: Bytes) -> [String] {
        var ids: [String] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x3C {
                var j = i + 1
                while j < bytes.count, bytes[j] != 0x3E, bytes[j] != 0x3C { j += 1 }
                if j < bytes.count, bytes[j] == 0x3E {
                    ids.append(cleanID(unfold(Bytes(rebasing: bytes[(i + 1)..<j]))))
                    i = j + 1
                    continue
                }
                i = j
                continue
            }
            i += 1
        }
        return ids
    }

    private static func cleanID(_ s: String) -> String {
        let u = s.utf8
        if !u.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A || $0 == 0x3C || $0 == 0x3E }) {
            return s
        }
        return String(decoding: u.filter { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D && $0 != 0x0A && $0 != 0x3C && $0 != 0x3E },
                      as: UTF8.self)
    }
}
