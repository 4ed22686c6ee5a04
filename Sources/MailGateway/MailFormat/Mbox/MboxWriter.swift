public import Foundation

/// Writes messages as mboxrd, the exact inverse of ``MboxReader``:
/// - a separator line `From <sender> <asctime date in UTC>` ending with LF (the sender is reduced to one
///   token; empty becomes `MAILER-DAEMON`);
/// - the raw bytes with every line matching `^>*From ` given one more `>`;
/// - exactly one LF after the raw bytes. For a message ending with a line break this is the customary empty
///   line; for a message whose raw bytes do not end with LF it ends the last line instead, and no empty line
///   follows. The reader removes that one LF, so `raw` comes back byte for byte in both cases (the next
///   `From ` line, being a full asctime line, is recognised even without an empty line before it).
///
/// Writing blocks on file I/O: use it from a dedicated thread or serial queue. Not `Sendable`.
public final class MboxWriter {
    private let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []

    /// Creates (or truncates, or with `append` extends) the file at `url`.
    public init(url: URL, append: Bool = false) throws(MboxError) {
        path = url.path
        fd = open(url.path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0o644)
        if fd < 0 { throw MboxError(path: path, operation: "open", code: errno, reason: "cannot create file") }
        buffer.reserveCapacity(256 * 1024)
    }

    deinit {
        if fd >= 0 {
            _ = try? flush()
            _ = Glibc.close(fd)
        }
    }

    /// Appends one message. `sender` is the envelope sender (`-` if unknown), `date` its arrival time.
    public func write(raw: [UInt8], sender: String, date: Date) throws(MboxError) {
        var token = sender.filter { !$0.isWhitespace }
        if token.isEmpty { token = "MAILER-DAEMON" }
        buffer.append(contentsOf: MboxFromLine.format(sender: token, date: date).utf8)
        buffer.append(0x0A)
        MboxWriter.appendEscaped(raw, to: &buffer)
        buffer.append(0x0A)
        if buffer.count >= 256 * 1024 { try flush() }
    }

    /// Writes buffered bytes and closes the file.
    public func close() throws(MboxError) {
        guard fd >= 0 else { return }
        try flush()
        if fsync(fd) != 0 { throw MboxError(path: path, operation: "write", code: errno, reason: "fsync failed") }
        let rc = Glibc.close(fd)
        fd = -1
        if rc != 0 { throw MboxError(path: path, operation: "write", code: errno, reason: "close failed") }
    }

    /// Adds one `>` to each line of `raw` matching `^>*From ` (mboxrd).
    static func appendEscaped(_ raw: [UInt8], to out: inout [UInt8]) {
        raw.withUnsafeBufferPointer { p in
            var lineStart = 0
            let n = p.count
            while lineStart < n {
                var lineEnd = n
                if let hit = memchr(p.baseAddress! + lineStart, 0x0A, n - lineStart) {
                    lineEnd = p.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
                }
                var i = lineStart
                while i < lineEnd, p[i] == 0x3E { i += 1 }
                if i + 5 <= lineEnd, p[i] == 0x46, p[i + 1] == 0x72, p[i + 2] == 0x6F, p[i + 3] == 0x6D, p[i + 4] == 0x20 {
                    out.append(0x3E)
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: p[lineStart..<lineEnd]))
                lineStart = lineEnd
            }
        }
    }

    private func flush() throws(MboxError) {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw MboxError(path: path, operation: "write", code: errno, reason: "write failed")
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
