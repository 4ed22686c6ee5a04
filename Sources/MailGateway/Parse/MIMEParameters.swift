internal import Foundation

/// MIME parameters (`name=value` pairs of Content-Type and Content-Disposition) with RFC 2231 extended
/// values (`name*=charset'lang'%XX`) and continuations (`name*0*=`, `name*1=`) joined and decoded, and RFC 2047
/// encoded words in plain values (`filename="=?utf-8?B?...?="`, common though not standard) decoded.
struct MIMEParameters {
    /// Raw pairs: name lower-cased, value as libetpan unquoted it.
    private var raw: [(name: String, value: String)] = []

    mutating func append(name: String, value: String) { raw.append((name.lowercased(), value)) }

    var isEmpty: Bool { raw.isEmpty }

    /// The plain (non-RFC 2231) value of `name`, undecoded.
    func plain(_ name: String) -> String? { raw.first { $0.name == name }?.value }

    /// The decoded value of parameter `name`, or nil.
    func value(_ name: String, problems: inout [String]) -> String? {
        var sections: [(index: Int, extended: Bool, value: String)] = []
        var plainValue: String? = nil
        let prefix = name + "*"
        for (n, v) in raw {
            if n == name {
                if plainValue == nil { plainValue = v }
            } else if n.hasPrefix(prefix) {
                var rest = n.dropFirst(prefix.count)
                var extended = false
                if rest.hasSuffix("*") {
                    extended = true
                    rest = rest.dropLast()
                }
                if rest.isEmpty {
                    sections.append((0, true, v))  // name*=
                } else if let i = Int(rest) {
                    sections.append((i, extended, v))
                }
            }
        }
        if sections.isEmpty {
            guard let plainValue else { return nil }
            if plainValue.contains("=?") {
                return plainValue.utf8CString.withUnsafeBufferPointer { p in
                    HeaderFieldDecoder.text(cString: p.baseAddress!, problems: &problems)
                }
            }
            return plainValue
        }
        sections.sort { $0.index < $1.index }
        var charset: String? = nil
        var bytes: [UInt8] = []
        for (position, section) in sections.enumerated() {
            var value = Substring(section.value)
            if section.extended, position == 0 {
                // charset'language'value
                let parts = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                if parts.count == 3 {
                    charset = String(parts[0])
                    value = parts[2]
                }
            }
            if section.extended {
                bytes.append(contentsOf: percentDecoded(value))
            } else {
                bytes.append(contentsOf: value.utf8)
            }
        }
        return bytes.withUnsafeBufferPointer { TextDecoding.decode($0, label: charset, problems: &problems) }
    }

    private func percentDecoded(_ s: Substring) -> [UInt8] {
        var out: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == 0x25, i + 2 < u.count, let h = hex(u[i + 1]), let l = hex(u[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return out
    }

    private func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
