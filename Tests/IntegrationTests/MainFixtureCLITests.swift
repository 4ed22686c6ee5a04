import Foundation
import Testing
import TestSupport

/// The CLI over the database today's main wrote (Tests/Fixtures/main-2026-12-06): after the migration, every
/// command of `commands.txt` prints exactly what that main printed (`expected/`), run by the fixture's own
/// `capture.sh` with the built executable.
@Suite("CLI over the database of main 2026-12-06")
struct MainFixtureCLITests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/main-2026-12-06")

    @Test("every command prints what main printed (same text, same JSON, same exit status)")
    func sameOutputs() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("mg-main-fixture-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try await ChildProcess.run("/bin/bash", [Self.fixture.appendingPathComponent("capture.sh").path,
                                                           CLIHarness.executable.path, out.path])
        #expect(run.status == 0, "capture.sh: \(run.output)")
        let expectedFolder = Self.fixture.appendingPathComponent("expected")
        let names = try FileManager.default.contentsOfDirectory(atPath: expectedFolder.path).sorted()
        let commands = try String(contentsOf: Self.fixture.appendingPathComponent("commands.txt"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.isEmpty }
        #expect(names.count == commands.count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == names)
        for (index, name) in names.enumerated() {
            let expected = Self.comparable(try Data(contentsOf: expectedFolder.appendingPathComponent(name)))
            let output = try? Data(contentsOf: out.appendingPathComponent(name))
            let actual = output.map(Self.comparable)
            let command = index < commands.count ? String(commands[index]) : name
            #expect(actual == expected, "`mailgateway \(command)` (\(name)) printed something else")
            if command.hasPrefix("archive search"), command.hasSuffix("--json"), let output {
                let (ranks, ascend) = Self.ranksAscend(output)
                #expect(!ranks.isEmpty && ascend, "`mailgateway \(command)`: scores \(ranks)")
            }
        }
    }

    /// The output as compared: byte for byte, but for the size of the database file in `archive stats`, which
    /// every later migration that adds a table or an index legitimately changes (the rows are what must stay),
    /// and the BM25 scores of `archive search --json`: since "archive-v3-search-accepted-only" the index holds
    /// the accepted messages only, and BM25 weighs a word by how many indexed messages hold it, so the scores
    /// moved (the hits, their order and snippets must not; ``ranksAscend(_:)`` checks the scores' order).
    static func comparable(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            if line.hasPrefix("database ") && line.hasSuffix(" MB") { return "database <size of the file> MB" }
            if line.hasPrefix(rankPrefix) { return rankPrefix + "<BM25 score>," }
            return String(line)
        }.joined(separator: "\n")
    }

    /// How `archive search --json` prints a hit's score.
    static let rankPrefix = "    \"rank\" : "

    /// The `"rank"` values of `output`, in order, and whether they are BM25 scores best first (negative, ascending).
    static func ranksAscend(_ output: Data) -> (ranks: [Double], ascend: Bool) {
        let ranks = String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap { line -> Double? in
            guard line.hasPrefix(rankPrefix) else { return nil }
            return Double(line.dropFirst(rankPrefix.count).trimmingCharacters(in: CharacterSet(charactersIn: ", ")))
        }
        return (ranks, ranks.allSatisfy { $0 < 0 } && zip(ranks, ranks.dropFirst()).allSatisfy { $0 <= $1 })
    }
}
