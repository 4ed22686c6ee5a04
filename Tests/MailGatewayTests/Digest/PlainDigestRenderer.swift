import Digest
import Foundation
import MailGateway

/// A test double of the renderer for the durable stage's tests: one text/plain message, deterministic, listing
/// each item's subject, author and Message-ID by thread, so a test reads exactly which posts an issue carried.
/// The real renderer (`DigestRenderer`) has its own golden and parsing tests.
struct PlainDigestRenderer: DigestRendering {
    func bodies(_ content: DigestContent) throws -> [[UInt8]] {
        var body = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        for thread in content.threads {
            body += "== \(thread.subject)\r\n"
            for item in thread.items {
                body += "- <\(item.messageID)> \(item.author.address): \(item.subject)\r\n"
            }
        }
        return [Array(body.utf8)]
    }

    func header(_ content: DigestContent, messageID: String, date: Date, part: Int, partCount: Int) -> [UInt8] {
        let subject = HeaderEncoding.unstructured("\(content.list.name) digest #\(content.number)")
        var head = "From: \(content.list.address)\r\n"
        head += "To: \(content.recipient.address)\r\n"
        head += "Subject: \(subject)\r\n"
        head += "Date: \(RFC5322Date.string(from: date))\r\n"
        head += "Message-ID: <\(messageID)>\r\n"
        head += "List-Id: <\(content.list.listID)>\r\n"
        head += "X-Digest-Format: \(content.format.rawValue)\r\n"
        head += "MIME-Version: 1.0\r\n"
        return Array(head.utf8)
    }
}
