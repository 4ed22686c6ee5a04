/// How one issue is cut into messages: at most ``DigestPartition/maxItems`` items and about
/// ``DigestPartition/maxHTMLBytes`` of HTML each; whole threads go to the next message, a thread is cut only
/// when it alone passes a limit.
enum DigestPartition {
    static let maxItems = 25
    static let maxHTMLBytes = 90_000

    /// The HTML an item adds to a message, estimated: its escaped text plus a fixed share for its headings,
    /// attachments and reply link. A summary shows no body: only the share.
    static func weight(of item: DigestContent.Item, withBody: Bool) -> Int {
        let fixed = 700 + item.subject.utf8.count * 2 + item.attachments.count * 120
        guard withBody, !item.sentSeparately else { return fixed }
        return fixed + DigestBodyText.trimmed(item.text).utf8.count * 11 / 10
    }

    /// The threads of each message, in order; no item lost, repeated or reordered.
    static func parts(_ threads: [DigestContent.Thread], withBody: Bool) -> [[DigestContent.Thread]] {
        var parts: [[DigestContent.Thread]] = []
        var current: [DigestContent.Thread] = []
        var items = 0
        var bytes = 0
        func flush() {
            if !current.isEmpty { parts.append(current) }
            current = []
            items = 0
            bytes = 0
        }
        for thread in threads where !thread.items.isEmpty {
            let weights = thread.items.map { weight(of: $0, withBody: withBody) }
            let threadBytes = weights.reduce(0, +)
            if items + thread.items.count <= maxItems, bytes + threadBytes <= maxHTMLBytes {
                current.append(thread)
                items += thread.items.count
                bytes += threadBytes
                continue
            }
            flush()
            if thread.items.count <= maxItems, threadBytes <= maxHTMLBytes {
                current = [thread]
                items = thread.items.count
                bytes = threadBytes
                continue
            }
            // One thread over a limit: its items, in order, in as many messages as needed.
            var slice = DigestContent.Thread(threadID: thread.threadID, subject: thread.subject, items: [])
            for (item, weight) in zip(thread.items, weights) {
                if !slice.items.isEmpty, slice.items.count + 1 > maxItems || bytes + weight > maxHTMLBytes {
                    current = [slice]
                    flush()
                    slice.items = []
                }
                slice.items.append(item)
                bytes += weight
            }
            current = [slice]
            items = slice.items.count
        }
        flush()
        return parts.isEmpty ? [[]] : parts
    }
}
