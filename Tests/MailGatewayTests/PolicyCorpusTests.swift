import Foundation
import Testing
import TestSupport
@testable import MailGateway

/// The posting chain over real bounces and auto-replies (`bounces-bounceparser`): none may be posted, and
/// none may be answered, whoever seems to send it.
@Suite("Policy over real bounces", .enabled(if: Corpora.available, Comment(rawValue: Corpora.absentMessage)))
struct PolicyCorpusTests {
    /// A header-only reading of a raw message (unfolded fields, the From address, the top-level content type),
    /// enough for the rules; the real parse stage is another component's.
    static func headerOnly(_ raw: [UInt8]) -> ParsedMessage {
        let text = String(decoding: raw, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        let head = text.components(separatedBy: "\n\n").first ?? text
        var headers: [MessageHeader] = []
        for line in head.components(separatedBy: "\n") {
            if let first = line.first, first == " " || first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                headers.append(MessageHeader(name: String(line[..<colon]),
                                             value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
        }
        var message = ParsedMessage(messageID: "corpus", headers: headers)
        if let from = message.header("From") {
            let address = from.contains("<") ? String(HeaderScan.angleContent(from)) : String(HeaderScan.firstToken(from))
            message.from = [MailAddress(address: address)]
        }
        message.contentType = message.header("Content-Type").map { String(HeaderScan.firstToken($0)).lowercased() }
            ?? "text/plain"
        return message
    }

    @Test func noBounceIsPostedOrAnswered() throws {
        let folder = try #require(Corpora.url("bounces-bounceparser/corpus"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".msg") }.sorted()
        #expect(files.count >= 100)
        var answered: [String] = []
        for file in files {
            let raw = try [UInt8](Data(contentsOf: folder.appendingPathComponent(file)))
            let message = Self.headerOnly(raw)
            let decision = PolicyChain.standard.decide(PolicyTests.context(message, sender: nil, size: raw.count))
            #expect(decision.action != .accept, "\(file)")
            if PolicyChain.noticeAllowed(for: decision) { answered.append(file) }
        }
        // Only posts by strangers are answered (spam, and a challenge-response robot that looks like a person);
        // never a bounce, a vacation reply or a delivery warning.
        #expect(answered.allSatisfy { $0.hasPrefix("spam") || $0 == "bluebottle.msg" }, "\(answered)")
        #expect(answered.count <= 4)
    }
}
