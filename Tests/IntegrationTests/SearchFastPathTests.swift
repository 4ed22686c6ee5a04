import Foundation
import Testing
import TestSupport

/// The thin `mailgateway` reads the common shapes of `archive search` without argument-parser
/// (`ArchiveSearchRequest(commonShape:)`); every other shape goes through argument-parser. Both must print the
/// same thing: each command below is run as is (the short path) and with `--log-level error` added, which only
/// argument-parser reads (the long path), and the two runs are compared byte for byte, status included.
@Suite("archive search: the short path prints what argument-parser's path prints")
struct SearchFastPathTests {
    static func mbox() -> String {
        (0..<6).map { i in
            """
            From poster\(i)@example.org Wed Nov 25 10:0\(i):00 2026
            From: Poster \(i) <poster\(i)@example.org>
            To: college-research@lists.example.org
            Subject: Soil carbon note \(i)
            Date: Wed, 25 Nov 2026 10:0\(i):00 +0000
            Message-ID: <fast-\(i)@example.org>
            Content-Type: text/plain; charset=utf-8

            Peat and soil carbon, sample \(i), measured in the café.

            """
        }.joined(separator: "\n")
    }

    @Test("same stdout, stderr and status on both paths")
    func samePrintOnBothPaths() async throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let imported = try await cli.run(["archive", "import", "--list", "college-research", "--mbox",
                                          try cli.write("fast.mbox", Self.mbox())])
        #expect(imported.status == 0, "\(imported.stderr)")
        let commands: [[String]] = [
            ["archive", "search", "soil"],
            ["archive", "search", "soil", "carbon"],
            ["archive", "search", "\"soil carbon\"", "--json"],
            ["archive", "search", "--limit", "2", "peat"],
            ["archive", "search", "--limit=0", "peat"],
            ["archive", "search", "--list", "college-research", "--json", "cafe"],
            ["archive", "search", "--list=funders", "cafe"],
            ["archive", "search", "--list", "no-such-list", "cafe"],
            ["archive", "search", "nothingmatchesthis"],
            ["archive", "search", "--json", "nothingmatchesthis"],
            ["archive", "search", "peat", "--limit", "3", "sample"],
        ]
        for command in commands {
            let short = try await cli.run(command)
            let long = try await cli.run(command + ["--log-level", "error"])
            #expect(short.stdout == long.stdout, "\(command)")
            #expect(short.stderr == long.stderr, "\(command)")
            #expect(short.status == long.status, "\(command)")
        }
        // The paths are not trivially equal: hits, highlights and the unknown list's error are there.
        let soil = try await cli.run(["archive", "search", "--limit", "2", "peat"])
        #expect(soil.status == 0 && soil.stdout.components(separatedBy: "Soil carbon note").count == 3, "\(soil.stdout)")
        let unknown = try await cli.run(["archive", "search", "--list", "no-such-list", "cafe"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no list has the id \"no-such-list\""), "\(unknown.stderr)")
    }
}
