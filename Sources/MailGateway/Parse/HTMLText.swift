/// A plain-text rendering of an HTML body, for messages without a text/plain part: `script`, `style`,
/// `head` (and comments) dropped; block elements and `<br>` become line breaks; list items get `- `; links keep
/// their URL (`text <url>` when it differs from the text); entities decoded (common named ones and numeric);
/// whitespace collapsed outside `<pre>`. Works on UTF-8 bytes in one pass.
public enum HTMLText {
    /// Renders `html` as plain text.
    public static func render(_ html: String) -> String {
        var renderer = Renderer()
        var html = html
        html.withUTF8 { renderer.run($0) }
        return renderer.finish()
    }

    private static let blockTags: Set<String> = [
        "p", "div", "tr", "table", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "hr", "h1", "h2", "h3", "h4",
        "h5", "h6", "section", "article", "header", "footer", "address", "center", "form", "nav", "aside", "main",
        "figure", "figcaption", "fieldset", "caption", "tbody", "thead", "tfoot", "body", "html",
    ]
    private static let paragraphTags: Set<String> = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "pre"]
    private static let skippedTags: Set<String> = ["script", "style", "head", "title", "template", "noscript"]

    private struct Renderer {
        var out: [UInt8] = []
        var pendingSpace = false
        var newlines = 2  // consecutive newlines at the end of `out` (2 = start of text)
        var preDepth = 0
        var anchors: [(start: Int, href: String?)] = []

        mutating func run(_ s: UnsafeBufferPointer<UInt8>) {
            out.reserveCapacity(s.count / 2)
            var i = 0
            let n = s.count
            while i < n {
                let c = s[i]
                if c == 0x3C {  // '<'
                    i = tag(s, i)
                } else if c == 0x26 {  // '&'
                    i = entity(s, i)
                } else if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0C {
                    if preDepth > 0 {
                        if c == 0x0A { newline(force: true) } else if c != 0x0D { emit(c) }
                    } else {
                        pendingSpace = true
                    }
                    i += 1
                } else {
                    emit(c)
                    i += 1
                }
            }
        }

        mutating func emit(_ c: UInt8) {
            if pendingSpace, newlines == 0 { out.append(0x20) }
            pendingSpace = false
            out.append(c)
            newlines = 0
        }

        mutating func emit(_ bytes: some Sequence<UInt8>) { for b in bytes { emit(b) } }

        mutating func newline(force: Bool = false, max: Int = 1) {
            pendingSpace = false
            if force || newlines < max {
                // Trailing blanks before a line break are dropped.
                while out.last == 0x20 { out.removeLast() }
                out.append(0x0A)
                newlines += 1
            }
        }

        mutating func tag(_ s: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
            let n = s.count
            var i = start + 1
            if i < n, s[i] == 0x21 {  // <!-- comment --> or <!DOCTYPE>
                if i + 2 < n, s[i + 1] == 0x2D, s[i + 2] == 0x2D {
                    return find(s, "-->", from: i + 3).map { $0 + 3 } ?? n
                }
                return (find(s, ">", from: i)).map { $0 + 1 } ?? n
            }
            var closing = false
            if i < n, s[i] == 0x2F {
                closing = true
                i += 1
            }
            let nameStart = i
            while i < n, isNameByte(s[i]) { i += 1 }
            if i == nameStart {  // a lone '<'
                emit(0x3C)
                return start + 1
            }
            let name = String(decoding: UnsafeBufferPointer(rebasing: s[nameStart..<i]), as: UTF8.self).lowercased()
            // Attributes up to '>', honouring quotes.
            let attrStart = i
            var quote: UInt8 = 0
            while i < n {
                let c = s[i]
                if quote != 0 {
                    if c == quote { quote = 0 }
                } else if c == 0x22 || c == 0x27 {
                    quote = c
                } else if c == 0x3E {
                    break
                }
                i += 1
            }
            let attrEnd = i
            let end = min(i + 1, n)
            if !closing, HTMLText.skippedTags.contains(name) {
                // Skip to the matching close tag.
                var j = end
                while let lt = find(s, "</", from: j) {
                    var k = lt + 2
                    let ns = k
                    while k < n, isNameByte(s[k]) { k += 1 }
                    if String(decoding: UnsafeBufferPointer(rebasing: s[ns..<k]), as: UTF8.self).lowercased() == name {
                        return (find(s, ">", from: k)).map { $0 + 1 } ?? n
                    }
                    j = lt + 2
                }
                return n
            }
            switch name {
            case "br":
                newline(force: true)
            case "li":
                if !closing {
                    newline()
                    emit(Array("- ".utf8))
                    pendingSpace = false
                } else {
                    newline()
                }
            case "td", "th":
                if !closing { pendingSpace = true }
            case "a":
                if closing {
                    if let anchor = anchors.popLast(), let href = anchor.href {
                        let text = String(decoding: out[min(anchor.start, out.count)...], as: UTF8.self)
                        let trimmed = href.hasPrefix("mailto:") ? String(href.dropFirst(7)) : href
                        if !href.isEmpty, !href.hasPrefix("#"), text.trimmingSpaces != trimmed, text.trimmingSpaces != href {
                            pendingSpace = true
                            emit(Array("<\(href)>".utf8))
                        }
                    }
                } else {
                    let href = attribute("href", UnsafeBufferPointer(rebasing: s[attrStart..<attrEnd]))
                    if pendingSpace, newlines == 0 {
                        out.append(0x20)
                        pendingSpace = false
                    }
                    anchors.append((out.count, href))
                }
            case "img":
                if let alt = attribute("alt", UnsafeBufferPointer(rebasing: s[attrStart..<attrEnd])), !alt.isEmpty {
                    emit(Array(alt.utf8))
                }
            case "pre":
                if closing { preDepth = Swift.max(0, preDepth - 1) } else { preDepth += 1 }
                newline(max: 2)
            default:
                if HTMLText.paragraphTags.contains(name) {
                    newline(max: 2)
                    if newlines < 2 { newline(max: 2) }
                } else if HTMLText.blockTags.contains(name) {
                    newline()
                }
            }
            return end
        }

        func isNameByte(_ c: UInt8) -> Bool {
            (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x3A
        }

        func find(_ s: UnsafeBufferPointer<UInt8>, _ needle: StaticString, from: Int) -> Int? {
            let count = needle.utf8CodeUnitCount
            let p = needle.utf8Start
            var i = from
            while i + count <= s.count {
                var match = true
                for k in 0..<count where s[i + k] != p[k] {
                    match = false
                    break
                }
                if match { return i }
                i += 1
            }
            return nil
        }

        /// The value of attribute `name` in the attribute text of a tag, entities decoded.
        func attribute(_ name: String, _ attrs: UnsafeBufferPointer<UInt8>) -> String? {
            let text = String(decoding: attrs, as: UTF8.self)
            let lower = text.lowercased()
            var searchFrom = lower.startIndex
            while let r = lower.range(of: name, range: searchFrom..<lower.endIndex) {
                searchFrom = r.upperBound
                if r.lowerBound > lower.startIndex {
                    let before = lower[lower.index(before: r.lowerBound)]
                    if !(before == " " || before == "\t" || before == "\n" || before == "\r") { continue }
                }
                var idx = r.upperBound
                while idx < lower.endIndex, lower[idx] == " " { idx = lower.index(after: idx) }
                guard idx < lower.endIndex, lower[idx] == "=" else { continue }
                idx = lower.index(after: idx)
                while idx < lower.endIndex, lower[idx] == " " { idx = lower.index(after: idx) }
                guard idx < lower.endIndex else { return "" }
                // `lower` and `text` share UTF-8 offsets only for ASCII; use utf8 offsets explicitly.
                let offset = lower.utf8.distance(from: lower.startIndex, to: idx)
                let bytes = Array(text.utf8)
                var value: [UInt8] = []
                var k = offset
                if bytes[k] == 0x22 || bytes[k] == 0x27 {
                    let q = bytes[k]
                    k += 1
                    while k < bytes.count, bytes[k] != q { value.append(bytes[k]); k += 1 }
                } else {
                    while k < bytes.count, bytes[k] != 0x20, bytes[k] != 0x09, bytes[k] != 0x3E { value.append(bytes[k]); k += 1 }
                }
                return HTMLText.decodeEntities(String(decoding: value, as: UTF8.self))
            }
            return nil
        }

        mutating func entity(_ s: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
            var i = start + 1
            let n = s.count
            while i < n, i - start <= 32, s[i] != 0x3B, isNameByte(s[i]) || s[i] == 0x23 { i += 1 }
            let hasSemicolon = i < n && s[i] == 0x3B
            let name = String(decoding: UnsafeBufferPointer(rebasing: s[(start + 1)..<i]), as: UTF8.self)
            if let scalar = HTMLText.entityScalar(name) {
                if scalar == " " { pendingSpace = true } else { emit(Array(String(scalar).utf8)) }
                return hasSemicolon ? i + 1 : i
            }
            emit(0x26)
            return start + 1
        }

        mutating func finish() -> String {
            while let last = out.last, last == 0x20 || last == 0x0A { out.removeLast() }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Decodes entities in an attribute value.
    static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var result = ""
        var rest = Substring(s)
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semi = after.prefix(32).firstIndex(of: ";"), let scalar = entityScalar(String(after[..<semi])) {
                result.unicodeScalars.append(scalar)
                rest = after[after.index(after: semi)...]
            } else {
                result += "&"
                rest = after
            }
        }
        return result + rest
    }

    /// The character of an entity name (`amp`, `#233`, `#xE9`), nil when unknown.
    static func entityScalar(_ name: String) -> Unicode.Scalar? {
        if name.hasPrefix("#") {
            let digits = name.dropFirst()
            let value: UInt32?
            if digits.first == "x" || digits.first == "X" {
                value = UInt32(digits.dropFirst(), radix: 16)
            } else {
                value = UInt32(digits)
            }
            guard let value else { return nil }
            if value == 0xA0 { return " " }
            return Unicode.Scalar(value) ?? "\u{FFFD}"
        }
        if let v = namedEntities[name] { return Unicode.Scalar(v) }
        return nil
    }

    private static let namedEntities: [String: UInt32] = [
        "amp": 0x26, "lt": 0x3C, "gt": 0x3E, "quot": 0x22, "apos": 0x27, "nbsp": 0x20, "copy": 0xA9, "reg": 0xAE,
        "trade": 0x2122, "hellip": 0x2026, "mdash": 0x2014, "ndash": 0x2013, "lsquo": 0x2018, "rsquo": 0x2019,
        "ldquo": 0x201C, "rdquo": 0x201D, "sbquo": 0x201A, "bdquo": 0x201E, "bull": 0x2022, "middot": 0xB7,
        "euro": 0x20AC, "pound": 0xA3, "yen": 0xA5, "cent": 0xA2, "deg": 0xB0, "laquo": 0xAB, "raquo": 0xBB,
        "times": 0xD7, "divide": 0xF7, "para": 0xB6, "sect": 0xA7, "shy": 0xAD, "zwnj": 0x200C, "zwj": 0x200D,
        "iexcl": 0xA1, "iquest": 0xBF, "plusmn": 0xB1, "micro": 0xB5, "frac12": 0xBD, "frac14": 0xBC,
        "frac34": 0xBE, "sup2": 0xB2, "sup3": 0xB3, "ensp": 0x2002, "emsp": 0x2003, "thinsp": 0x2009,
        "larr": 0x2190, "rarr": 0x2192, "uarr": 0x2191, "darr": 0x2193, "szlig": 0xDF, "agrave": 0xE0,
        "aacute": 0xE1, "acirc": 0xE2, "atilde": 0xE3, "auml": 0xE4, "aring": 0xE5, "aelig": 0xE6, "ccedil": 0xE7,
        "egrave": 0xE8, "eacute": 0xE9, "ecirc": 0xEA, "euml": 0xEB, "igrave": 0xEC, "iacute": 0xED, "icirc": 0xEE,
        "iuml": 0xEF, "ntilde": 0xF1, "ograve": 0xF2, "oacute": 0xF3, "ocirc": 0xF4, "otilde": 0xF5, "ouml": 0xF6,
        "oslash": 0xF8, "ugrave": 0xF9, "uacute": 0xFA, "ucirc": 0xFB, "uuml": 0xFC, "yacute": 0xFD, "yuml": 0xFF,
        "Agrave": 0xC0, "Aacute": 0xC1, "Acirc": 0xC2, "Atilde": 0xC3, "Auml": 0xC4, "Aring": 0xC5, "AElig": 0xC6,
        "Ccedil": 0xC7, "Egrave": 0xC8, "Eacute": 0xC9, "Ecirc": 0xCA, "Euml": 0xCB, "Igrave": 0xCC, "Iacute": 0xCD,
        "Icirc": 0xCE, "Iuml": 0xCF, "Ntilde": 0xD1, "Ograve": 0xD2, "Oacute": 0xD3, "Ocirc": 0xD4, "Otilde": 0xD5,
        "Ouml": 0xD6, "Oslash": 0xD8, "Ugrave": 0xD9, "Uacute": 0xDA, "Ucirc": 0xDB, "Uuml": 0xDC, "Yacute": 0xDD,
        "oelig": 0x153, "OElig": 0x152, "scaron": 0x161, "Scaron": 0x160,
    ]
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\n" { s = s.dropLast() }
        return String(s)
    }
}
