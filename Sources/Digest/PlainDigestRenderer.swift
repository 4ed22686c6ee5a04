public import Foundation
import MailGateway

/// A stand-in renderer until the real one lands: one text/plain message, deterministic, listing each item's
/// subject, author and Message-ID by thread. Not user-facing text (no template): a placeholder and a test double.
public struct PlainDigestRenderer: DigestRendering {
    public init() {}

    public func render(_ content: DigestContent, messageID: String, date: Date) throws -> [[UInt8]] {
        var body = ""
        for thread in content.threads {
            body += "== \(thread.subject)\r\n"
            for item in thread.items {
                body += "- <\(item.messageID)> \(item.author.address): \(item.subject)\r\n"
            }
        }
        let subject = HeaderEncoding.unstructured("\(content.list.name) digest #\(content.number)")
        var head = "From: \(content.list.address)\r\n"
        head += "To: \(content.recipient.address)\r\n"
        head += "Subject: \(subject)\r\n"
        head += "Date: \(RFC5322Date.string(from: date))\r\n"
        head += "Message-ID: <\(messageID)>\r\n"
        head += "List-Id: <\(content.list.listID)>\r\n"
        head += "X-Digest-Format: \(content.format.rawValue)\r\n"
        head += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        return [Array((head + body).utf8)]
    }
}
