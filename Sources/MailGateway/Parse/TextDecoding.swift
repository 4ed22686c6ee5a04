internal import CEtPan
internal import Foundation

/// Charset handling for message text: labels mapped to what iconv (through libetpan's `charconv_buffer`)
/// knows, the windows-1252 superset for Latin-1 labels, and fallbacks for lying or unknown labels.
enum TextDecoding {
    /// Bytes that should be UTF-8 (raw header values, RFC 6532) as a String; windows-1252 when not UTF-8.
    static func headerBytesToString(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        return windows1252(bytes)
    }

    /// Decodes `bytes` labelled with `label` (a MIME charset parameter, possibly nil) to a String.
    /// Appends a problem when the label is wrong or unknown.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, label: String?, problems: inout [String]) -> String {
        let name = normalizedLabel(label)
        switch name {
        case "", "us-ascii", "ascii", "utf-8", "utf8", "ansi_x3.4-1968", "646":
            if let s = String(validating: bytes, as: UTF8.self) { return s }
            if name == "utf-8" || name == "utf8" {
                problems.append("text labelled utf-8 is not valid UTF-8; decoded as windows-1252")
            } else {
                problems.append("8-bit text labelled \(name.isEmpty ? "(no charset)" : name); decoded as windows-1252")
            }
            return windows1252(bytes)
        case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso_8859-1", "windows-1252", "cp1252",
            "x-cp1252", "iso-ir-100", "cp819", "ibm819":
            // Latin-1 labels are read as windows-1252 (WHATWG Encoding): 0x80-0x9F are € “ ” and friends.
            // Text that is valid UTF-8 with 8-bit bytes is far more likely mislabelled UTF-8.
            if !isASCII(bytes), let s = String(validating: bytes, as: UTF8.self) {
                problems.append("text labelled \(name) is valid UTF-8; decoded as UTF-8")
                return s
            }
            return windows1252(bytes)
        default:
            if let s = convert(bytes, from: iconvName(name)) { return s }
            if let s = String(validating: bytes, as: UTF8.self) {
                problems.append("unknown or failing charset \(sanitizedLabel(name)); decoded as UTF-8")
                return s
            }
            problems.append("unknown or failing charset \(sanitizedLabel(name)); decoded as windows-1252")
            return windows1252(bytes)
        }
    }

    /// The charset label lower-cased, unquoted and trimmed.
    static func normalizedLabel(_ label: String?) -> String {
        guard var s = label?.lowercased() else { return "" }
        s = s.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'"))
        return s
    }

    /// iconv names for labels iconv refuses or that are subsets of what senders really use.
    static func iconvName(_ name: String) -> String {
        switch name {
        case "gb2312", "gbk", "x-gbk", "cp936", "euc-cn", "x-euc-cn", "csgb2312": return "GB18030"
        case "ks_c_5601-1987", "ks_c_5601", "euc-kr", "x-euc-kr": return "CP949"
        case "unicode-1-1-utf-7", "x-unicode-1-1-utf-7": return "UTF-7"
        case "iso-8859-8-i": return "ISO-8859-8"
        case "x-sjis", "shift-jis", "sjis", "x-shift-jis": return "SHIFT_JIS"
        case "windows-874": return "CP874"
        case "big5", "x-big5": return "BIG5-HKSCS"
        default: return name
        }
    }

    /// Labels come from mail: keep only a short, printable form for problem reports.
    static func sanitizedLabel(_ name: String) -> String {
        var scalars = String.UnicodeScalarView()
        for u in name.unicodeScalars where u.value > 0x20 && u.value < 0x7F && scalars.count < 40 { scalars.append(u) }
        return String(scalars)
    }

    /// iconv conversion to UTF-8 via libetpan's `charconv_buffer`; nil when the charset is unknown or the
    /// bytes do not convert.
    static func convert(_ bytes: UnsafeBufferPointer<UInt8>, from charset: String) -> String? {
        guard let base = bytes.baseAddress else { return "" }
        var out: UnsafeMutablePointer<CChar>? = nil
        var outLen = 0
        let rc = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { p in
            charconv_buffer("UTF-8", charset, p, bytes.count, &out, &outLen)
        }
        guard let out else { return nil }
        defer { charconv_buffer_free(out) }
        guard rc == Int32(MAIL_CHARCONV_NO_ERROR) else { return nil }
        return out.withMemoryRebound(to: UInt8.self, capacity: outLen) { p in
            String(decoding: UnsafeBufferPointer(start: p, count: outLen), as: UTF8.self)
        }
    }

    @inline(__always) static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var acc: UInt8 = 0
        for b in bytes { acc |= b }
        return acc < 0x80
    }

    /// windows-1252 code points for 0x80-0x9F (undefined ones map to the C1 control of the same value).
    private static let cp1252High: [UInt16] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D,
        0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x009D, 0x017E, 0x0178,
    ]

    /// Decodes windows-1252 (which never fails).
    static func windows1252(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + bytes.count / 4)
        for b in bytes {
            if b < 0x80 {
                out.append(b)
                continue
            }
            let cp: UInt32 = b < 0xA0 ? UInt32(cp1252High[Int(b) - 0x80]) : UInt32(b)
            if cp < 0x800 {
                out.append(UInt8(0xC0 | (cp >> 6)))
                out.append(UInt8(0x80 | (cp & 0x3F)))
            } else {
                out.append(UInt8(0xE0 | (cp >> 12)))
                out.append(UInt8(0x80 | ((cp >> 6) & 0x3F)))
                out.append(UInt8(0x80 | (cp & 0x3F)))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
