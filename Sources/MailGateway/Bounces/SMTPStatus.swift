/// An RFC 3463 enhanced status code (`class.subject.detail`, e.g. `5.7.26`).
public struct EnhancedStatus: Sendable, Hashable, CustomStringConvertible {
    /// 2, 4 or 5.
    public var klass: Int
    public var subject: Int
    public var detail: Int

    public init(klass: Int, subject: Int, detail: Int) {
        self.klass = klass
        self.subject = subject
        self.detail = detail
    }

    /// Reads `5.1.1` (surrounding text allowed only when `anywhere` is true: the first code found in it).
    public init?(_ text: some StringProtocol, anywhere: Bool = false) {
        let scalars = Array(text.utf8)
        var i = 0
        while i < scalars.count {
            if let (status, end) = Self.read(scalars, at: i) {
                let after = end == scalars.count || !Self.isDigitOrDot(scalars[end])
                let before = i == 0 || !Self.isDigitOrDot(scalars[i - 1])
                if before, after, anywhere || (i == 0 && end == scalars.count) {
                    self = status
                    return
                }
            }
            guard anywhere else { break }
            i += 1
        }
        // A field value such as `5.1.1 (user unknown)` or ` 5.1.1`: the first word.
        if !anywhere, let word = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "(" }).first,
           word.count < text.count, let status = EnhancedStatus(word) {
            self = status
            return
        }
        return nil
    }

    public var description: String { "\(klass).\(subject).\(detail)" }

    private static func isDigitOrDot(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || c == 46 }

    private static func read(_ s: [UInt8], at start: Int) -> (EnhancedStatus, Int)? {
        guard start < s.count, [50, 52, 53].contains(s[start]) else { return nil }
        var numbers = [Int(s[start] - 48)]
        var i = start + 1
        for _ in 0..<2 {
            guard i < s.count, s[i] == 46 else { return nil }
            i += 1
            var value = 0
            var digits = 0
            while i < s.count, s[i] >= 48, s[i] <= 57, digits < 3 {
                value = value * 10 + Int(s[i] - 48)
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            numbers.append(value)
        }
        return (EnhancedStatus(klass: numbers[0], subject: numbers[1], detail: numbers[2]), i)
    }
}

/// The first basic SMTP reply code (`550`) that starts `text` or one of its words (`host said: 550 …`).
enum SMTPReplyCode {
    static func first(in text: some StringProtocol) -> Int? {
        let bytes = Array(text.utf8)
        var i = 0
        while i + 2 < bytes.count {
            let isStart = i == 0 || !(bytes[i - 1] >= 48 && bytes[i - 1] <= 57) && bytes[i - 1] != 46
            if isStart, [52, 53].contains(bytes[i]), (48...57).contains(bytes[i + 1]), (48...57).contains(bytes[i + 2]) {
                let end = i + 3
                if end == bytes.count || [32, 45, 9, 10, 13, 41, 34].contains(bytes[end]) {
                    return Int(bytes[i] - 48) * 100 + Int(bytes[i + 1] - 48) * 10 + Int(bytes[i + 2] - 48)
                }
            }
            i += 1
        }
        return nil
    }
}
