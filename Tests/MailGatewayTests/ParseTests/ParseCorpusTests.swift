import Foundation
import Testing
import TestSupport
@testable import MailGateway

/// Every message of the shared corpora parses or throws `MessageParseError`; never a crash.
@Suite(.enabled(if: Corpora.available, Comment(rawValue: Corpora.absentMessage)))
struct ParseCorpusTests {
    struct Outcome {
        var parsed: [(name: String, message: ParsedMessage)] = []
        var failed: [(name: String, error: MessageParseError)] = []
    }

    static func files(under relative: String) -> [URL] {
        guard let root = Corpora.url(relative),
            let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        else { return [] }
        var urls: [URL] = []
        for case let url as URL in e {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                url.lastPathComponent != "README", url.lastPathComponent != "README.md"
            else { continue }
            urls.append(url)
        }
        return urls.sorted { $0.path < $1.path }
    }

    static func parseAll(_ urls: [URL]) throws -> Outcome {
        var outcome = Outcome()
        for url in urls {
            let raw = try [UInt8](Data(contentsOf: url))
            do {
                outcome.parsed.append((url.lastPathComponent, try MessageParser.parse(raw)))
            } catch {
                outcome.failed.append((url.lastPathComponent, error))
            }
        }
        return outcome
    }

    static func readMbox(_ relative: String) throws -> [MboxMessage] {
        let reader = try MboxReader(url: try #require(Corpora.url(relative)))
        var messages: [MboxMessage] = []
        while let m = try reader.next() { messages.append(m) }
        return messages
    }

    static func parseAll(_ messages: [MboxMessage]) -> Outcome {
        var outcome = Outcome()
        for m in messages {
            do {
                outcome.parsed.append(("#\(m.index)", try MessageParser.parse(m.raw)))
            } catch {
                outcome.failed.append(("#\(m.index)", error))
            }
        }
        return outcome
    }

    static func report(_ label: String, _ o: Outcome) {
        print("[corpus] \(label): \(o.parsed.count) parsed, \(o.failed.count) threw")
        for f in o.failed { print("[corpus]   \(f.name): \(f.error)") }
        let withProblems = o.parsed.filter { !$0.message.problems.isEmpty }.count
        print("[corpus]   \(withProblems) with problems")
        var histogram: [String: Int] = [:]
        for p in o.parsed { for problem in Set(p.message.problems) { histogram[problem, default: 0] += 1 } }
        for (problem, n) in histogram.sorted(by: { $0.value > $1.value }) { print("[corpus]     \(n) × \(problem)") }
    }

    @Test func notmuchCorpus() throws {
        let urls = Self.files(under: "notmuch/corpora")
        #expect(urls.count == 320)
        let o = try Self.parseAll(urls)
        Self.report("notmuch", o)
        #expect(o.parsed.count + o.failed.count == 320)
        #expect(o.parsed.count == 320)
        // git-send-email's `References: <yes>` is not a message id.
        #expect(o.parsed.allSatisfy { !$0.message.references.contains("yes") })
    }

    @Test func ksummitMbox() throws {
        let messages = try Self.readMbox("lore-ksummit/ksummit.mbox.gz")
        #expect(messages.count == 3115)
        let o = Self.parseAll(messages)
        Self.report("ksummit", o)
        #expect(o.parsed.count == 3115)
        let ids = Set(o.parsed.map(\.message.messageID))
        #expect(ids.count == 3112)  // README: 3,112 unique Message-IDs
        #expect(o.parsed.allSatisfy { !$0.message.messageIDIsSynthetic })
        #expect(o.parsed.filter { $0.message.date == nil }.isEmpty)
        #expect(messages[0].envelopeSender == "tytso@mit.edu")
    }

    @Test func usrpUsersMbox() throws {
        let messages = try Self.readMbox("lore-usrp-users/usrp-users-2022-08_10.mbox.gz")
        #expect(messages.count == 366)
        let o = Self.parseAll(messages)
        Self.report("usrp-users", o)
        #expect(o.parsed.count == 366)
        #expect(o.parsed.contains { !$0.message.attachments.isEmpty })
    }

    @Test func mimekitMessages() throws {
        let o = try Self.parseAll(Self.files(under: "mimekit/messages"))
        Self.report("mimekit/messages", o)
        #expect(o.parsed.count + o.failed.count == 32)
        #expect(o.parsed.count >= 31)
    }

    @Test func mimekitMboxes() throws {
        let simple = try Self.readMbox("mimekit/mbox/simple.mbox.txt")
        #expect(simple.count == 3)
        let unmunged = try Self.readMbox("mimekit/mbox/unmunged.mbox.txt")
        #expect(unmunged.count == 2)
        let gmail = try Self.readMbox("mimekit/mbox/issue1189.mbox.txt")
        #expect(gmail.count == 4)
        let o = Self.parseAll(simple + unmunged + gmail)
        Self.report("mimekit/mbox", o)
        #expect(o.parsed.count == 9)
    }

    @Test func bounceCorpus() throws {
        let urls = Self.files(under: "bounces-bounceparser/corpus")
        #expect(urls.count == 126)
        let o = try Self.parseAll(urls)
        Self.report("bounces", o)
        #expect(o.parsed.count + o.failed.count == 126)
        #expect(o.parsed.count >= 125)
    }
}
