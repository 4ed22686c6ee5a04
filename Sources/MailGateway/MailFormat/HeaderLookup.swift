import Foundation

/// Looking a field up in a raw header section kept as text (a held message's stored headers).
public enum HeaderLookup {
    /// The first value of the field `name` (compared without case) in `headers`: unfolded (each continuation
    /// line trimmed and joined with one space), trimmed; encoded-words are left as they are. Nil when absent.
    public static func firstValue(_ name: String, in headers: String) -> String? {
        var current: String?
        for line in LineEndings.lf(headers).split(separator: "\n", omittingEmptySubsequences: false) {
            if let value = current {
                if line.first == " " || line.first == "\t" {
                    current = value + " " + line.trimmingCharacters(in: .whitespaces)
                    continue
                }
                return value
            }
            if let colon = line.firstIndex(of: ":"), line[..<colon].caseInsensitiveCompare(name) == .orderedSame {
                current = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return current
    }
}
