public import Foundation
import MailGateway

/// Writes the messages of an mbox file into a Maildir's `cur/` folder, one file per message, byte for byte as
/// ``MboxReader`` returns them (mboxrd un-escaped), so that a benchmark can fill a mailbox without IMAP APPEND.
///
/// File names are `<n>.M<index>.mailgateway-bench:2,` with `n = firstNumber + index`, all of the same width, so
/// that a server that sorts new files by name (Dovecot assigns UIDs in that order) keeps the mbox order. No flag
/// follows `:2,`: the messages are unseen. The names carry no sizes: bench/ingest.sh adds them once the files are
/// final (`bench/corpus.py dovecot-names`, after it strips the list headers), as Dovecot names its own deliveries.
///
/// Blocking file I/O: call it from a command's synchronous body or a dedicated thread.
public enum MaildirSeeder {
    /// Writes every message of `mbox` (plain or `.gz`) into `directory` (created when missing); returns the count.
    /// - Parameters:
    ///   - limit: stop after this many messages (nil: all of them).
    public static func write(mbox: URL, to directory: URL, firstNumber: Int = 1_600_000_000, limit: Int? = nil)
        throws -> Int {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let reader = try MboxReader(url: mbox)
        var count = 0
        while count < (limit ?? Int.max), let message = try reader.next() {
            let name = "\(firstNumber + message.index).M\(message.index).mailgateway-bench:2,"
            try Data(message.raw).write(to: directory.appendingPathComponent(name), options: .withoutOverwriting)
            count += 1
        }
        return count
    }
}
