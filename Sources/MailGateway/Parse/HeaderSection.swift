internal import Foundation

/// One header field located in the raw bytes: its name and the byte range of its (still folded) value.
struct RawHeaderField {
    /// The field name as written (ASCII).
    var name: String
    /// Start of the field (its name) in the message buffer.
    var start: Int
    /// Start of the value (just after the colon) in the message buffer.
    var valueStart: Int
    /// End of the value (before the line break that ends the field) in the message buffer.
    var valueEnd: Int
}

/// The header section of a message (RFC 5322 §2.2): fields in order and where the body begins.
/// Lines that are not fields are skipped and counted; a line that is neither a field nor a continuation
/// after at least one field ends the header section (as in Python's email package).
struct HeaderSection {
    var fields: [RawHeaderField] = []
    /// Offset of the first body byte (== buffer count when there is no body).
    var bodyOffset: Int = 0
    /// Offset of the first header field (after a byte order mark, an mbox From_ line or junk lines).
    var headerStart: Int = 0
    var problems: [String] = []

    /// Scans the header section of `buf`.
    static func scan(_ buf: UnsafeBufferPointer<UInt8>) -> HeaderSection {
        var section = HeaderSection()
        let count = buf.count
        guard let base = buf.baseAddress, count > 0 else { return section }
        var pos = 0
        // UTF-8 byte order mark.
        if count >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF {
            pos = 3
            section.problems.append("message starts with a UTF-8 byte order mark")
        }
        // An mbox From_ line left at the top.
        if count - pos >= 5, base[pos] == 0x46, base[pos + 1] == 0x72, base[pos + 2] == 0x6F, base[pos + 3] == 0x6D,
            base[pos + 4] == 0x20
        {
            pos = lineEnd(base, from: pos, count: count).next
            section.problems.append("message starts with an mbox From_ line; skipped")
        }
        var skipped = 0
        while pos < count {
            let (contentEnd, next) = lineEnd(base, from: pos, count: count)
            if contentEnd == pos {  // empty line: end of header section
                section.bodyOffset = next
                if skipped > 0 { section.problems.append("\(skipped) malformed header line(s) skipped") }
                return section
            }
            let first = base[pos]
            if first == 0x20 || first == 0x09 {  // continuation
                if section.fields.isEmpty {
                    skipped += 1
                } else {
                    section.fields[section.fields.count - 1].valueEnd = contentEnd
                }
                pos = next
                continue
            }
            // Field name: printable ASCII up to ':' (trailing blanks tolerated, RFC 5322 obs-optional).
            var colon = -1
            var i = pos
            var nameOK = true
            while i < contentEnd {
                let c = base[i]
                if c == 0x3A { colon = i; break }
                if c <= 0x20 || c >= 0x7F {
                    if c == 0x20 || c == 0x09 {  // allow "Name :" only
                        i += 1
                        continue
                    }
                    nameOK = false
                    break
                }
                i += 1
            }
            var nameEnd = colon
            while nameEnd > pos, base[nameEnd - 1] == 0x20 || base[nameEnd - 1] == 0x09 { nameEnd -= 1 }
            if colon < 0 || !nameOK || nameEnd == pos || containsBlank(base, pos, nameEnd) {
                if section.fields.isEmpty {
                    skipped += 1
                    pos = next
                    continue
                }
                // Not a field: the body starts here (missing blank line).
                section.problems.append("header section not ended by a blank line")
                section.bodyOffset = pos
                if skipped > 0 { section.problems.append("\(skipped) malformed header line(s) skipped") }
                return section
            }
            let name = String(decoding: UnsafeBufferPointer(start: base + pos, count: nameEnd - pos), as: UTF8.self)
            if section.fields.isEmpty { section.headerStart = pos }
            section.fields.append(RawHeaderField(name: name, start: pos, valueStart: colon + 1, valueEnd: contentEnd))
            pos = next
        }
        section.bodyOffset = count
        if skipped > 0 { section.problems.append("\(skipped) malformed header line(s) skipped") }
        return section
    }

    private static func containsBlank(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        var i = from
        while i < to {
            if base[i] == 0x20 || base[i] == 0x09 { return true }
            i += 1
        }
        return false
    }

    /// The end of the line content (before CR LF or LF) and the start of the next line.
    static func lineEnd(_ base: UnsafePointer<UInt8>, from: Int, count: Int) -> (contentEnd: Int, next: Int) {
        guard let hit = memchr(base + from, 0x0A, count - from) else { return (count, count) }
        let lf = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        let end = (lf > from && base[lf - 1] == 0x0D) ? lf - 1 : lf
        return (end, lf + 1)
    }

    /// The unfolded value: line breaks removed (RFC 5322 §2.2.3), surrounding blanks trimmed.
    static func unfoldedValue(_ buf: UnsafeBufferPointer<UInt8>, _ field: RawHeaderField) -> String {
        guard let base = buf.baseAddress else { return "" }
        var start = field.valueStart
        var end = field.valueEnd
        while start < end, isBlank(base[start]) { start += 1 }
        while end > start, isBlank(base[end - 1]) { end -= 1 }
        let slice = UnsafeBufferPointer(start: base + start, count: end - start)
        if memchr(base + start, 0x0A, end - start) == nil, memchr(base + start, 0x0D, end - start) == nil {
            return TextDecoding.headerBytesToString(slice)
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(slice.count)
        for b in slice where b != 0x0D && b != 0x0A { bytes.append(b) }
        return bytes.withUnsafeBufferPointer { TextDecoding.headerBytesToString($0) }
    }

    @inline(__always) static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }
}
