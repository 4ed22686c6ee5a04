import Foundation

/// JSON array text for `json_each(?)`: one statement, whatever the number of values it is given.
enum JSONArray {
    /// `ids` as a JSON array of strings.
    static func text(_ ids: [String]) -> String {
        var out = "["
        for (n, id) in ids.enumerated() {
            if n > 0 { out += "," }
            out += "\""
            // Message-IDs almost never need escaping: append them whole when they don't.
            if !id.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
                out += id
                out += "\""
                continue
            }
            for scalar in id.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            out += "\""
        }
        return out + "]"
    }

    /// `ids` as a JSON array of numbers.
    static func text(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }
}
