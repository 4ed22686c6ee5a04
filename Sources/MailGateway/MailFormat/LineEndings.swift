internal import Foundation

/// The one line-ending normaliser. Mail on the wire uses CRLF (RFC 5322 §2.1, and RFC 5321 §2.3.8 forbids a
/// bare CR or LF in SMTP data); text handed to Swift code and templates uses LF.
public enum LineEndings {
    /// What becomes of a CR not followed by LF.
    public enum BareCR: Sendable {
        /// It ends a line, as a CRLF (message bodies: the break the sender meant).
        case lineBreak
        /// It is removed (header field values, whose parsed value ignores it too: it can never start a line).
        case drop
    }

    /// Every LF and CRLF as CRLF; a bare CR as `bareCR` says.
    public static func crlf<C: Collection<UInt8>>(_ bytes: C, bareCR: BareCR = .lineBreak) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 40 + 2)
        var pendingCR = false
        for b in bytes {
            if pendingCR {
                pendingCR = false
                if b == 10 {
                    out.append(13)
                    out.append(10)
                    continue
                }
                if bareCR == .lineBreak {
                    out.append(13)
                    out.append(10)
                }
            }
            if b == 13 {
                pendingCR = true
            } else if b == 10 {
                out.append(13)
                out.append(10)
            } else {
                out.append(b)
            }
        }
        if pendingCR, bareCR == .lineBreak {
            out.append(13)
            out.append(10)
        }
        return out
    }

    /// Text with its line breaks as LF, as Swift code and templates read it: every CRLF becomes LF; a bare CR
    /// is kept (it is text, not a line break, to the parser).
    public static func lf(_ s: String) -> String {
        var copy = s
        let normalized: String? = copy.withUTF8 { u -> String? in
            guard let base = u.baseAddress, memchr(base, 0x0D, u.count) != nil else { return nil }
            var out = [UInt8]()
            out.reserveCapacity(u.count)
            var i = 0
            while i < u.count {
                let b = u[i]
                if b == 0x0D, i + 1 < u.count, u[i + 1] == 0x0A {
                    i += 1
                    continue
                }
                out.append(b)
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        }
        return normalized ?? s
    }

    /// `text` (whose line breaks may be LF or CRLF) with every line break as CRLF; a bare CR as `bareCR` says.
    public static func crlf(_ text: String, bareCR: BareCR = .lineBreak) -> String {
        String(decoding: crlf(Array(text.utf8), bareCR: bareCR), as: UTF8.self)
    }
}
