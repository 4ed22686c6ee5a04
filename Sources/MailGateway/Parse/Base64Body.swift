internal import Foundation

/// The fast path for a base64 body: Foundation's decoder (about 9 instructions a byte of encoded input, 1.2 GB/s on
/// the bench machine) instead of libetpan's (about 38, appending to an `MMAPString`). With the check below (about 16
/// a byte), the parse of the generated corpus, whose attachments are base64, costs 7 % fewer instructions per message
/// (callgrind; docs/benchmarks.md, "Stop 25").
///
/// Taken only for a body in the strict form every mailer writes: the base64 alphabet in groups of four, lines
/// broken by CR, LF, spaces or tabs, `=` only as the padding of the last group. Anything else (a missing padding, a
/// stray character, text after the padding) returns nil and the caller keeps libetpan's decoder, whose lenient
/// handling of broken bodies is unchanged: on the strict form both decoders give the same bytes.
enum Base64Body {
    /// What each byte is in a body: 0 anything else, 1 the alphabet, 2 whitespace, 3 `=`.
    private static let kinds: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for byte in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8) {
            table[Int(byte)] = 1
        }
        for byte in Array("\r\n \t".utf8) { table[Int(byte)] = 2 }
        table[Int(UInt8(ascii: "="))] = 3
        return table
    }()

    /// The decoded bytes of `encoded` when it is in the strict form, else nil (also for no bytes at all).
    static func decode(_ encoded: UnsafeBufferPointer<UInt8>) -> Data? {
        guard !encoded.isEmpty, let base = encoded.baseAddress, isStrict(encoded) else { return nil }
        let input = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: encoded.count, deallocator: .none)
        return Data(base64Encoded: input, options: .ignoreUnknownCharacters)
    }

    /// Alphabet characters in groups of four, whitespace anywhere, and at most two `=` closing the last group: one
    /// table lookup a byte.
    static func isStrict(_ encoded: UnsafeBufferPointer<UInt8>) -> Bool {
        kinds.withUnsafeBufferPointer { kinds in
            var symbols = 0
            var padding = 0
            for byte in encoded {
                switch kinds[Int(byte)] {
                case 1:
                    guard padding == 0 else { return false }
                    symbols += 1
                case 2:
                    continue
                case 3:
                    padding += 1
                    symbols += 1
                default:
                    return false
                }
            }
            return symbols % 4 == 0 && padding <= 2
        }
    }
}
