/// Joins `format=flowed` text (RFC 3676): soft line breaks (a line ending in a space, other than the
/// signature separator `-- `) are removed, space-stuffing is undone, and with `DelSp=yes` the trailing space
/// of each flowed line is deleted too. Quote depth is respected: only lines of the same depth are joined.
/// Output lines end with LF.
enum FormatFlowed {
    static func join(_ text: String, delSp: Bool) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        var paragraph = [UInt8]()
        var paragraphDepth = -1  // -1: no open paragraph
        var lines = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false)
        if let last = lines.last, last.isEmpty { lines.removeLast() }  // text ending with a newline

        func flush() {
            guard paragraphDepth >= 0 else { return }
            if paragraphDepth > 0 {
                out.append(contentsOf: repeatElement(UInt8(ascii: ">"), count: paragraphDepth))
                if !paragraph.isEmpty { out.append(0x20) }
            }
            out.append(contentsOf: paragraph)
            out.append(0x0A)
            paragraph.removeAll(keepingCapacity: true)
            paragraphDepth = -1
        }

        for var line in lines {
            if line.last == 0x0D { line = line.dropLast() }
            var depth = 0
            while line.first == UInt8(ascii: ">") {
                depth += 1
                line = line.dropFirst()
            }
            if line.first == 0x20 { line = line.dropFirst() }  // space-stuffing (or the space after '>')
            if paragraphDepth >= 0, depth != paragraphDepth { flush() }
            let isSignature = line.elementsEqual("-- ".utf8)
            let flowed = line.last == 0x20 && !isSignature
            if isSignature { flush() }
            paragraphDepth = depth
            if flowed, delSp {
                paragraph.append(contentsOf: line.dropLast())
            } else {
                paragraph.append(contentsOf: line)
            }
            if !flowed { flush() }
        }
        flush()
        return String(decoding: out, as: UTF8.self)
    }
}
