import Foundation
import Logging
import MailGateway
import Testing

/// Issue 7, items 11 and 12, through the built executable: mail-supplied text cannot drive the operator's
/// terminal, and a 10,000-message chain prints.
@Suite("CLI: hostile text and deep threads")
struct CLIHostileTextTests {
    /// ESC ] 0 ; title BEL (retitles the terminal), CSI sequences that move the cursor, erase and recolour, a
    /// C1 CSI (U+009B), and a bidi override in the From name.
    static let subject = "\u{1B}]0;PWNED\u{07}\u{1B}[1A\u{1B}[2K\u{1B}[32mall holds approved\u{1B}[0m \u{9B}31m soil"
    static let name = "\u{202E}tairaterceS\u{202C} \u{1B}[8mx\u{1B}[0m"

    static func encoded(_ text: String) -> String { "=?utf-8?b?\(Data(text.utf8).base64EncodedString())?=" }

    static func message(id: String) -> String {
        """
        From: \(encoded(name)) <esc@evil.example>\r
        To: college-research@lists.example.org\r
        Subject: \(encoded(subject))\r
        Date: Wed, 25 Nov 2026 10:00:00 +0000\r
        Message-ID: <\(id)>\r
        MIME-Version: 1.0\r
        Content-Type: text/plain; charset=utf-8\r
        \r
        soil carbon \u{1B}]0;body-title\u{07} measurements\r

        """
    }

    /// No raw ESC, C1 or bidi control in `text`.
    static func controls(in text: String) -> [String] {
        text.unicodeScalars.filter { s in
            switch s.value {
            case 0x00...0x08, 0x0B...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
            default: false
            }
        }.map { String(format: "U+%04X", $0.value) }
    }

    @Test("ESC/OSC subjects and a bidi From name print as U+FFFD in archive and moderation output")
    func noTerminalControlsInOutput() async throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        // An accepted copy through `archive import`, and a held one through the pipeline.
        let mbox = try cli.write("esc.mbox", "From esc@evil.example Wed Nov 25 10:00:00 2026\n"
                                 + Self.message(id: "esc-accepted@evil.example").replacingOccurrences(of: "\r\n", with: "\n") + "\n")
        let imported = try await cli.run(["archive", "import", "--list", "college-research", "--mbox", mbox])
        #expect(imported.status == 0, "\(imported.stderr)")
        let gateway = try cli.gateway()
        let list = try #require(gateway.config.list(id: "college-research"))
        let outcome = try await gateway.database.pool.write { db in
            try gateway.pipeline.process(db, list: list, raw: Array(Self.message(id: "esc-held@evil.example").utf8),
                                         fallbackDate: nil, source: .import, logger: Logger(label: "cli-test"))
        }
        guard case .archived(let heldRow, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision.action.rawValue == "hold")
        let (acceptedRow, threadID, holdID) = try await gateway.database.pool.read { db in
            (try Int64.fetchOne(db, sql: "SELECT id FROM messages WHERE message_id = 'esc-accepted@evil.example'") ?? 0,
             try Int64.fetchOne(db, sql: "SELECT thread_id FROM messages WHERE message_id = 'esc-accepted@evil.example'") ?? 0,
             try Int64.fetchOne(db, sql: "SELECT id FROM holds WHERE message_id = ?", arguments: [heldRow]) ?? 0)
        }
        let commands: [[String]] = [
            ["archive", "threads", "--list", "college-research"],
            ["archive", "message", "\(acceptedRow)"],
            ["archive", "message", "\(heldRow)"],
            ["archive", "thread", "\(threadID)"],
            ["archive", "search", "soil"],
            ["moderation", "list"],
            ["moderation", "show", "\(holdID)"],
        ]
        for command in commands {
            let run = try await cli.run(command)
            #expect(run.status == 0, "\(command): \(run.stderr)")
            #expect(Self.controls(in: run.stdout).isEmpty, "\(command) printed \(Self.controls(in: run.stdout))")
            #expect(Self.controls(in: run.stderr).isEmpty, "\(command) printed \(Self.controls(in: run.stderr))")
            #expect(run.stdout.contains("\u{FFFD}"), "\(command) shows no replacement:\n\(run.stdout)")
            #expect(run.stdout.contains("soil") || run.stdout.contains("PWNED"), "\(command):\n\(run.stdout)")
        }
        // JSON keeps the text, escaped.
        let json = try await cli.run(["moderation", "show", "\(holdID)", "--json"])
        #expect(Self.controls(in: json.stdout).isEmpty)
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let message = try #require(decoded?["message"] as? [String: Any])
        #expect(message["subject"] as? String == Self.subject)
        #expect(message["fromName"] as? String == Self.name)
        #expect(json.stdout.contains("\\u001b]0;PWNED") && json.stdout.contains("\\u202e"))
    }

    @Test("a 10,000-message chain: archive thread prints every message once, lines bounded")
    func tenThousandMessageChain() async throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let n = 10_000
        var mbox = ""
        mbox.reserveCapacity(n * 300)
        for i in 0..<n {
            mbox += "From a@example.org Wed Nov 25 10:00:00 2026\n"
            mbox += "From: Alice <a@example.org>\nSubject: \(i == 0 ? "" : "Re: ")chain\nMessage-ID: <c\(i)@chain.example>\n"
            if i > 0 { mbox += "In-Reply-To: <c\(i - 1)@chain.example>\nReferences: <c\(i - 1)@chain.example>\n" }
            mbox += "Date: \(Self.date(i))\n\nline \(i)\n\n"
        }
        let path = try cli.write("chain.mbox", mbox)
        let imported = try await cli.run(["archive", "import", "--list", "college-research", "--mbox", path])
        #expect(imported.status == 0, "\(imported.stderr)")
        let threads = try await cli.run(["archive", "threads", "--list", "college-research"])
        let id = try #require(threads.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").first)
        let run = try await cli.run(["archive", "thread", String(id)])
        #expect(run.status == 0, "exit \(run.status): \(run.stderr.suffix(500))")
        let headers = run.stdout.split(separator: "\n").filter { $0.contains(" · ") }
        #expect(headers.count == n)
        let rows = Set(headers.compactMap { line -> Substring? in
            guard let open = line.firstIndex(of: "["), let close = line[open...].firstIndex(of: "]") else { return nil }
            return line[open...close]
        })
        #expect(rows.count == n)
        #expect(run.stdout.contains("(depth \(n - 1), reply to ["))
        let longest = run.stdout.split(separator: "\n").map(\.utf8.count).max() ?? 0
        #expect(longest < 3 * 4 * ThreadDetail.maxNesting + 200)
    }

    static func date(_ i: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, d MMM yyyy HH:mm:ss Z"
        return formatter.string(from: Date(timeIntervalSince1970: 1_700_000_000 + Double(i) * 60))
    }
}
