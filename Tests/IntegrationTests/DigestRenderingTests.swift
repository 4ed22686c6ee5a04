import Foundation
import Testing
import TestSupport

/// The golden HTML digests, rendered in headless Chromium at a phone's width (375 px) and a desktop mail
/// client's (800 px): no horizontal overflow, and every item's subject and author visible.
///
/// Convention: every `Tests/Fixtures/digest/<name>.html` has a sidecar `<name>.visible.txt` beside it (UTF-8,
/// one text per line: each item's subject and author as a reader sees them, entities decoded; blank lines are
/// ignored; whitespace is compared collapsed). A golden without its sidecar fails.
/// `Tests/Fixtures/digest/harness/` holds pages that prove the measurement itself can fail.
@Suite("Digest HTML renders in headless Chromium", .serialized,
       .enabled(if: HeadlessChromium.available, "\(HeadlessChromium.absentMessage)"))
struct DigestRenderingTests {
    static let widths = [375, 800]

    static let folder = Corpora.repositoryRoot.appendingPathComponent("Tests/Fixtures/digest")

    /// The golden HTML digests (not the harness pages), sorted by name.
    static let goldens: [URL] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".html") }.sorted().map { folder.appendingPathComponent($0) }
    }()

    /// The texts `<page>.visible.txt` says must be visible.
    static func visibleTexts(of page: URL) throws -> [String] {
        let sidecar = page.deletingPathExtension().appendingPathExtension("visible.txt")
        let text = try String(contentsOf: sidecar, encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    static func harness(_ name: String) -> URL {
        folder.appendingPathComponent("harness/\(name).html")
    }

    static func measure(_ page: URL) async throws -> HeadlessChromium.Report {
        let report = try await HeadlessChromium.measure(file: page, widths: widths, texts: try visibleTexts(of: page))
        // The measurement is only worth something at the widths asked for.
        try #require(report.frames.map(\.width) == widths)
        for frame in report.frames {
            #expect(frame.innerWidth == frame.width && frame.clientWidth == frame.width,
                    "\(page.lastPathComponent): viewport \(frame.innerWidth)/\(frame.clientWidth) px, not \(frame.width)")
        }
        return report
    }

    @Test("the goldens are there: the HTML digest and summary of each language")
    func goldensArePresent() {
        let names = Set(Self.goldens.map(\.lastPathComponent))
        for format in ["digest", "summary"] {
            for language in ["fr", "en", "es"] {
                #expect(names.contains("\(format)-\(language).html"), "Tests/Fixtures/digest/\(format)-\(language).html")
            }
        }
    }

    @Test("every golden digest fits 375 and 800 px and shows every subject and author", arguments: goldens)
    func golden(page: URL) async throws {
        let texts = try Self.visibleTexts(of: page)
        #expect(!texts.isEmpty, "\(page.lastPathComponent): its .visible.txt lists no text")
        let report = try await Self.measure(page)
        for frame in report.frames {
            let name = "\(page.lastPathComponent) at \(frame.width) px"
            #expect(frame.scrollWidth <= frame.clientWidth, "\(name): scrolls sideways (\(frame.scrollWidth) px wide)")
            #expect(frame.beyondViewport.isEmpty, "\(name): past the edges: \(frame.beyondViewport)")
            for hidden in frame.hiddenTexts {
                Issue.record("\(name): \"\(hidden.text)\" is not visible: \(hidden.reason ?? "?")")
            }
            #expect(frame.scripts == 0, "\(name): has \(frame.scripts) script(s)")
            #expect(frame.externalResources.isEmpty, "\(name): loads \(frame.externalResources)")
        }
        print("digest rendering: \(page.lastPathComponent) measured at \(Self.widths) px in "
              + String(format: "%.2f", report.seconds) + " s")
    }

    @Test("the harness passes a page that fits, and sees every text on it")
    func harnessPassesAFittingPage() async throws {
        let report = try await Self.measure(Self.harness("fits"))
        for frame in report.frames {
            #expect(!frame.overflows, "fits.html at \(frame.width) px: \(frame.scrollWidth) px, \(frame.beyondViewport)")
            #expect(frame.hiddenTexts.isEmpty, "fits.html at \(frame.width) px: \(frame.hiddenTexts.map(\.text))")
            #expect(frame.texts.count == 6 && frame.texts.allSatisfy { $0.occurrences == 1 })
        }
    }

    @Test("the harness detects a fixed 600 px layout overflowing 375 px, and not 800 px")
    func harnessDetectsOverflow() async throws {
        let report = try await Self.measure(Self.harness("overflows"))
        let phone = try #require(report.frames.first { $0.width == 375 })
        let desktop = try #require(report.frames.first { $0.width == 800 })
        #expect(phone.overflows && phone.scrollWidth >= 600, "overflow not detected: \(phone.scrollWidth) px")
        #expect(phone.beyondViewport.contains { $0.hasPrefix("table") }, "\(phone.beyondViewport)")
        #expect(!desktop.overflows, "\(desktop.scrollWidth) px, \(desktop.beyondViewport)")
    }

    @Test("the harness detects texts a reader cannot see")
    func harnessDetectsHiddenTexts() async throws {
        let page = Self.harness("hidden")
        let report = try await Self.measure(page)
        let texts = try Self.visibleTexts(of: page)
        for frame in report.frames {
            let visible = frame.texts.filter(\.visible).map(\.text)
            #expect(visible == ["Shown in plain sight"], "at \(frame.width) px, seen as visible: \(visible)")
            #expect(frame.texts.map(\.text) == texts)
            // Each text is hidden in its own way, and the reason says which.
            let why = [
                "Hidden by display none": "no box", "Hidden by visibility hidden": "visibility:hidden",
                "Hidden by opacity zero": "opacity 0", "Hidden by a transparent colour": "transparent colour",
                "Hidden in a zero-height box": "clipped by div", "Moved off the screen": "outside the viewport",
                "Cut by an ellipsis in a narrow box that is far too short": "cut by its own overflow",
            ]
            for hidden in frame.hiddenTexts {
                let reason = hidden.reason ?? "-"
                #expect(hidden.occurrences == 1 && reason.contains(why[hidden.text] ?? "?"), "\(hidden.text): \(reason)")
            }
        }
    }

    @Test("a text that is not in the page is reported missing")
    func harnessReportsAbsentText() async throws {
        let report = try await HeadlessChromium.measure(file: Self.harness("fits"), widths: [375],
                                                        texts: ["Rapport annuel", "No such subject"])
        let frame = try #require(report.frames.first)
        #expect(frame.texts.map(\.visible) == [true, false])
        #expect(frame.texts[1].occurrences == 0 && frame.texts[1].reason == "not in the page")
    }

    @Test("scripts/digest-screenshot.sh writes a PNG of the whole page at the width asked for",
          arguments: [(800, 800), (375, 500)])
    func screenshot(width: Int, imageWidth: Int) async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("mailgw-shot-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: out) }
        let script = Corpora.repositoryRoot.appendingPathComponent("scripts/digest-screenshot.sh").path
        let outcome = try await ChildProcess.run("/bin/bash", [script, Self.harness("fits").path, out.path, "\(width)"])
        #expect(outcome.status == 0, "\(outcome.output)")
        let png = try Data(contentsOf: out)
        try #require(png.count > 24 && png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let size = { (at: Int) in png[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        // A window is at least 500 px wide: narrower pages sit in an iframe on a 500 px backdrop.
        #expect(size(16) == imageWidth)
        // The whole page, not a fixed window: taller on the phone, where the lines wrap.
        #expect(size(20) > 200 && size(20) < 1000, "height \(size(20))")
    }
}
