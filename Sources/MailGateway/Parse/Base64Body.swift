internal import Foundation

/// The fast path for a base64 body: Foundation's decoder (table-driven, about 1.2 GB/s of encoded input on the
/// bench machine) instead of libetpan's, which appends the decoded bytes a few at a time to an `MMAPString` (5 % of
/// the ingest's CPU samples on the generated corpus, whose attachments are base64; docs/benchmarks.md, "Stop 25").
///
/// Taken only for a body in the strict form every mailer writes: the base64 alphabet in groups of four, lines
/// broken by CR, LF, spaces or tabs, `=` only as the padding of the last group. Anything else (a missing padding, a
/// stray character, text after the padding) returns nil and the caller keeps libetpan's decoder, whose lenient
/// handling of broken bodies is unchanged: on the strict form both decoders give the same bytes.
enum Base64Body {
    private static let alphabet: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for byte in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8) {
            table[Int(byte)] = true
        }
        return table
    }()

    /// The decoded bytes of `encoded` when it is in the strict form, else nil.
    static func decode(_ encoded: UnsafeBufferPointer<UInt8>) -> Data? {
        guard let base = encoded.baseAddress, isStrict(encoded) else { return nil }
        let input = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: encoded.count, deallocator: .none)
        return Data(base64Encoded: input, options: .ignoreUnknownCharacters)
    }

    /// Alphabet characters in groups of four, whitespace anywhere, and at most two `=` closing the last group.
    static func isStrict(_ encoded: UnsafeBufferPointer<UInt8>) -> Bool {
        var symbols = 0
        var padding = 0
        for byte in encoded {
            switch byte {
            case UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: " "), UInt8(ascii: "\t"):
                continue
            case UInt8(ascii: "="):
                padding += 1
                symbols += 1
            default:
                guard padding == 0, alphabet[Int(byte)] else { return false }
                symbols += 1
            }
        }
        return symbols % 4 == 0 && padding <= 2
    }
}
