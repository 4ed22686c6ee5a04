import Testing
@testable import MailGatewayCLI

/// The thin `mailgateway`'s own reading of `archive search` (IntegrationTests/SearchFastPathTests compares its
/// output with argument-parser's): which shapes it takes, and what it makes of them.
@Suite("archive search: the common argument shapes")
struct ArchiveSearchRequestTests {
    func request(_ arguments: String...) -> ArchiveSearchRequest? {
        ArchiveSearchRequest(commonShape: arguments[...])
    }

    @Test("query words with --config, --list, --limit, --json in any order, --opt=value too")
    func takesTheCommonShapes() throws {
        let plain = try #require(request("soil", "carbon"))
        #expect(plain.query == ["soil", "carbon"] && plain.limit == 20 && !plain.json && plain.config == nil && plain.list == nil)
        let full = try #require(request("--json", "soil", "--limit", "5", "--list=college-research", "--config", "/etc/c.json", "x"))
        #expect(full.query == ["soil", "x"] && full.limit == 5 && full.json)
        #expect(full.list == "college-research" && full.config == "/etc/c.json")
        #expect(try #require(request("--limit=007", "a")).limit == 7)
        #expect(try #require(request("--limit", "0", "a")).limit == 0)
        #expect(try #require(request("--list", "help", "a")).list == "help")
    }

    @Test("everything else is left to argument-parser (help, errors, other options)")
    func leavesTheRestToArgumentParser() {
        let refused: [[String]] = [
            [], ["   "], ["help"], ["soil", "help"], ["--help"], ["-h"], ["--", "soil"], ["-", "soil"],
            ["--json", "--json", "soil"], ["--list", "a", "--list", "b", "soil"], ["--limit=", "soil"],
            ["--list=", "soil"], ["soil", "--config="], ["--limit", "-5", "soil"], ["--limit", "5x", "soil"], ["--limit", "+5", "soil"],
            ["--limit", "99999999999999999999", "soil"], ["--json=true", "soil"], ["--since", "2026-01-01", "soil"],
            ["--from", "a@b", "soil"], ["--log-level", "error", "soil"], ["soil", "--list"], ["soil", "--config", "--json"],
            ["-soil"],
        ]
        for arguments in refused {
            #expect(ArchiveSearchRequest(commonShape: arguments[...]) == nil, "\(arguments)")
        }
    }
}
