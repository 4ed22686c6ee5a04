internal import CEtPan
internal import Foundation

/// The address grammar (RFC 5322 §3.4) of `HeaderFieldDecoder`.
extension HeaderFieldDecoder {
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

    static func skipCommentsAndBlanks(_ bytes: Bytes, from: Int, alsoCommas: Bool) -> Int {
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
}
