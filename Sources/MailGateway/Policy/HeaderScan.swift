/// Allocation-light helpers over header values for the rules.
enum HeaderScan {
    /// ASCII case-insensitive equality, without allocating.
    static func equalsIgnoringCase(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where p != q {
            guard lower(p) == lower(q) else { return false }
        }
        return true
    }

    /// ASCII case-insensitive prefix test, without allocating.
    static func hasPrefixIgnoringCase(_ s: some StringProtocol, _ prefix: some StringProtocol) -> Bool {
        var i = s.utf8.makeIterator()
        for q in prefix.utf8 {
            guard let p = i.next(), lower(p) == lower(q) else { return false }
        }
        return true
    }

    @inline(__always) static func lower(_ c: UInt8) -> UInt8 { (c >= 65 && c <= 90) ? c + 32 : c }

    /// Whether `text` contains `word` (lower-case ASCII letters and punctuation) in any ASCII case, without copying
    /// `text` (a native string's UTF-8 is read in place).
    static func containsIgnoringCase(_ text: String, _ word: StaticString) -> Bool {
        let word = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            guard bytes.count >= word.count else { return false }
            for start in 0...(bytes.count - word.count) where lower(bytes[start]) == word[0] {
                var index = 1
                while index < word.count, lower(bytes[start + index]) == word[index] { index += 1 }
                if index == word.count { return true }
            }
            return false
        }
        if let found = text.utf8.withContiguousStorageIfAvailable(scan) { return found }
        return Array(text.utf8).withUnsafeBufferPointer(scan)
    }

    /// Calls `body` with each value of the header fields named `name`; stops when it returns true.
    @discardableResult
    static func first(_ message: ParsedMessage, _ name: String, where body: (String) -> Bool) -> Bool {
        for header in message.headers where equalsIgnoringCase(header.name, name) {
            if body(header.value) { return true }
        }
        return false
    }

    /// True when the message has a header field named `name`.
    static func has(_ message: ParsedMessage, _ name: String) -> Bool {
        message.headers.contains { equalsIgnoringCase($0.name, name) }
    }

    /// The value's first token: up to `;`, `(` or the end, without surrounding spaces.
    static func firstToken(_ value: String) -> Substring {
        var s = Substring(value)
        if let end = s.firstIndex(where: { $0 == ";" || $0 == "(" }) { s = s[..<end] }
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }

    /// The text inside the first pair of angle brackets, or the trimmed value when there are none.
    static func angleContent(_ value: String) -> Substring {
        if let open = value.firstIndex(of: "<"),
           let close = value[open...].firstIndex(of: ">") {
            return value[value.index(after: open)..<close]
        }
        return firstToken(value)
    }

    /// The domain of an address (after the last `@`), or the whole text when it has none.
    static func domain(of address: some StringProtocol) -> Substring {
        MailAddress.split(address).domain ?? Substring(address)
    }

    /// The local part of an address (before the last `@`).
    static func localPart(of address: some StringProtocol) -> Substring {
        MailAddress.split(address).localPart
    }
}
