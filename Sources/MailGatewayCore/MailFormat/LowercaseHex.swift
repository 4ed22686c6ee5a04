/// Bytes as lower-case hexadecimal, two digits a byte: digests and tokens as the database stores them and as they
/// appear in addresses and MIME boundaries. A table lookup: `String(format: "%02x")` per byte goes through
/// Foundation's formatter, which made hashing an attachment's digest cost more than hashing it (`perf`, stop 21).
public enum LowercaseHex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
