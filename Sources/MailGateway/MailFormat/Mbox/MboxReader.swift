public import Foundation

/// One message read from an mbox file.
public struct MboxMessage: Sendable {
    /// The message's raw bytes, `>From ` un-escaped (mboxrd), without the mbox separator line and without the
    /// line break the mbox format adds after the message.
    public var raw: [UInt8]
    /// The sender of the `From ` line (`-` or an address), nil when the file did not start with a From_ line.
    public var envelopeSender: String?
    /// The date of the `From ` line (asctime, read as UTC), nil when absent or unreadable.
    public var envelopeDate: Date?
    /// 1-based position of the message in the file.
    public var index: Int
}

/// Streams the messages of an mbox file (mboxrd or mboxo), one at a time, with bounded memory: the file is
/// read in 64 KiB chunks and only the current message is held. A `.gz` file is read through `/bin/gzip -dc`.
///
/// Format rules (see ``MboxWriter`` for the exact inverse):
/// - A message starts at a `From ` line: a full `From sender asctime` line anywhere; a looser one (`From -`,
///   `From id@host`) only when the next line is a header field (see `MboxFromLine.classify`). A UTF-8 byte
///   order mark at the start of the file is skipped.
/// - Lines matching `^>+From ` lose one `>` (mboxrd); mboxo files have no escaping to undo.
/// - The line break that ends the message's last line is removed: LF when the message's From_ line ends with
///   LF, CR LF (only as a trailing empty line, `\r\n\r\n`) when it ends with CR LF. So a message written by
///   ``MboxWriter`` (which always adds exactly one LF) comes back byte-exact, with or without a final newline.
///
/// Reading blocks on file I/O: call it from a dedicated thread or a serial queue, not from the cooperative
/// pool. Not `Sendable`: one owner iterates it.
public final class MboxReader {
    private let path: String
    private var fd: Int32
    private var process: Process?
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    /// Unprocessed bytes; lines are consumed from `pending[start...]`.
    private var pending: [UInt8] = []
    private var start = 0
    private var eof = false
    private var atFileStart = true
    /// A line read ahead (to check what follows a loose From_ line) and not yet consumed.
    private var pushedBack: [UInt8]? = nil
    /// The From_ line that opens the next message (already read), if any.
    private var nextFromLine: [UInt8]? = nil
    private var count = 0
    private var finished = false

    /// Opens `url` (a plain mbox, or gzip-compressed when the name ends in `.gz`).
    public init(url: URL) throws(MboxError) {
        path = url.path
        if url.pathExtension == "gz" {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/gzip")
            process.arguments = ["-dc", "--", url.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                throw MboxError(path: path, operation: "gzip", reason: "cannot start /bin/gzip")
            }
            self.process = process
            fd = dup(pipe.fileHandleForReading.fileDescriptor)
            try? pipe.fileHandleForReading.close()
        } else {
            fd = open(url.path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw MboxError(path: path, operation: "open", code: errno, reason: "cannot open file") }
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
        if let process, process.isRunning { process.terminate() }
    }

    /// The next message, or nil at the end of the file.
    public func next() throws(MboxError) -> MboxMessage? {
        if finished { return nil }
        var fromLine = nextFromLine
        nextFromLine = nil
        var body: [UInt8] = []
        var sawAnything = fromLine != nil
        while true {
            let line: [UInt8]
            if let pushed = pushedBack {
                pushedBack = nil
                line = pushed
            } else {
                guard let range = try nextLineRange() else { break }
                let first = pending[range.lowerBound]
                if first != 0x46, first != 0x3E {  // neither "From " nor ">From ": copy it as it is
                    body.append(contentsOf: pending[range])
                    atFileStart = false
                    sawAnything = true
                    continue
                }
                line = Array(pending[range])
            }
            var isSeparator = false
            if line.first == 0x46 {
                switch line.withUnsafeBufferPointer({ MboxFromLine.classify($0) }) {
                case .strict: isSeparator = true
                case .loose:
                    if let following = try nextLine() {
                        isSeparator = MboxFromLine.looksLikeHeader(following)
                        pushedBack = following
                    }
                case .none: break
                }
            }
            atFileStart = false
            if isSeparator {
                if sawAnything {
                    nextFromLine = line
                    return finish(fromLine: fromLine, body: body)
                }
                fromLine = line
                sawAnything = true
                continue
            }
            sawAnything = true
            appendUnescaped(line, to: &body)
        }
        finished = true
        try closeInput()
        if !sawAnything { return nil }
        return finish(fromLine: fromLine, body: body)
    }

    private func finish(fromLine: [UInt8]?, body: [UInt8]) -> MboxMessage {
        var raw = body
        let crlfStyle = fromLine.map { $0.count >= 2 && $0[$0.count - 2] == 0x0D } ?? false
        if crlfStyle {
            if raw.count >= 4, raw[raw.count - 4] == 0x0D, raw[raw.count - 3] == 0x0A, raw[raw.count - 2] == 0x0D,
                raw[raw.count - 1] == 0x0A
            {
                raw.removeLast(2)
            }
        } else if raw.last == 0x0A {
            raw.removeLast()
        }
        count += 1
        var sender: String? = nil
        var date: Date? = nil
        if let fromLine {
            fromLine.withUnsafeBufferPointer { l in
                var line = l
                if line.last == 0x0A { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
                let (s, rest) = MboxFromLine.split(line)
                sender = s.isEmpty ? nil : String(decoding: s, as: UTF8.self)
                date = MboxFromLine.asctime(rest)
            }
        }
        return MboxMessage(raw: raw, envelopeSender: sender, envelopeDate: date, index: count)
    }

    /// Appends `line`, removing one `>` when it matches `^>+From `.
    private func appendUnescaped(_ line: [UInt8], to body: inout [UInt8]) {
        if line.first == 0x3E {
            var i = 0
            while i < line.count, line[i] == 0x3E { i += 1 }
            if i + 5 <= line.count, line[i] == 0x46, line[i + 1] == 0x72, line[i + 2] == 0x6F, line[i + 3] == 0x6D,
                line[i + 4] == 0x20
            {
                body.append(contentsOf: line[1...])
                return
            }
        }
        body.append(contentsOf: line)
    }

    /// The next line including its LF (the last line of the file may lack it); nil at the end.
    private func nextLine() throws(MboxError) -> [UInt8]? {
        if let line = pushedBack {
            pushedBack = nil
            return line
        }
        return try nextLineRange().map { Array(pending[$0]) }
    }

    /// The range in `pending` of the next line including its LF (never empty); valid until the next call.
    private func nextLineRange() throws(MboxError) -> Range<Int>? {
        while true {
            let available = pending.count - start
            if available > 0 {
                let found: Int? = pending.withUnsafeBufferPointer { p in
                    guard let hit = memchr(p.baseAddress! + start, 0x0A, available) else { return nil }
                    return p.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                }
                if let lf = found {
                    var lineStart = start
                    start = lf + 1
                    if atFileStart, lf - lineStart >= 3, pending[lineStart] == 0xEF, pending[lineStart + 1] == 0xBB,
                        pending[lineStart + 2] == 0xBF
                    {
                        lineStart += 3  // byte order mark
                    }
                    return lineStart..<(lf + 1)
                }
            }
            if eof {
                guard pending.count > start else { return nil }
                let range = start..<pending.count
                start = pending.count
                return range
            }
            // Compact, then read another chunk.
            if start > 0 {
                pending.removeFirst(start)
                start = 0
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw MboxError(path: path, operation: "read", code: errno, reason: "read failed")
            }
            if n == 0 {
                eof = true
            } else {
                pending.append(contentsOf: chunk[0..<n])
            }
        }
    }

    private func closeInput() throws(MboxError) {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        if let process {
            process.waitUntilExit()
            self.process = nil
            if process.terminationStatus != 0 {
                throw MboxError(path: path, operation: "gzip", code: process.terminationStatus, reason: "gzip -dc failed")
            }
        }
    }
}
