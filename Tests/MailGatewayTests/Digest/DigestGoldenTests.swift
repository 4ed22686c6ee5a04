import Foundation
import MailGateway
import Testing
@testable import Digest

/// Each format in each language against its golden file (`Tests/Fixtures/digest/<format>-<lang>.eml`, and the
/// HTML alternative as `<format>-<lang>.html` for the formats that have one). `MAILGATEWAY_UPDATE_GOLDEN=1`
/// rewrites them; review the diff before committing.
@Suite("Digest golden files")
struct DigestGoldenTests {
    static let update = ProcessInfo.processInfo.environment["MAILGATEWAY_UPDATE_GOLDEN"] == "1"

    static let cases: [(DigestContent.Format, Language)] = DigestContent.Format.allCases.flatMap { format in
        Language.allCases.map { (format, $0) }
    }

    @Test(arguments: cases)
    func matchesGolden(format: DigestContent.Format, language: Language) throws {
        let messages = try DigestFixtures.renderer().render(DigestFixtures.content(format, language),
                                                            messageID: DigestFixtures.messageID,
                                                            date: DigestFixtures.date)
        try #require(messages.count == 1)
        let name = "\(format.rawValue)-\(language.rawValue)"
        try compare(messages[0], with: "\(name).eml")
        if format == .mime || format == .summary {
            let parsed = try MessageParser.parse(messages[0])
            let html = try #require(parsed.html, "\(name) has an HTML part")
            try compare(Array(html.utf8), with: "\(name).html")
        }
    }

    private func compare(_ bytes: [UInt8], with file: String) throws {
        let url = DigestFixtures.goldenDirectory.appendingPathComponent(file)
        if Self.update {
            try FileManager.default.createDirectory(at: DigestFixtures.goldenDirectory, withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        let golden = try #require(FileManager.default.contents(atPath: url.path),
                                  "\(file) missing: run with MAILGATEWAY_UPDATE_GOLDEN=1")
        if Array(golden) != bytes {
            let a = DigestOutput.lines(Array(golden)), b = DigestOutput.lines(bytes)
            let first = (0..<min(a.count, b.count)).first { !a[$0].elementsEqual(b[$0]) } ?? min(a.count, b.count)
            Issue.record("""
                \(file) differs at line \(first + 1):
                golden:   \(first < a.count ? DigestOutput.string(Array(a[first])) : "<end>")
                rendered: \(first < b.count ? DigestOutput.string(Array(b[first])) : "<end>")
                """)
        }
    }
}
