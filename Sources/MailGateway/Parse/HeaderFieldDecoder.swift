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
