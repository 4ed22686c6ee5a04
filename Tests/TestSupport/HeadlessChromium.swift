public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Renders an HTML page in headless Chromium (Debian's `chromium`, installed by `scripts/install-deps.sh`) at
/// given viewport widths and measures what a reader would see: horizontal overflow, and whether given texts
/// (each digest item's subject and author) are visible.
///
/// How: one `chromium --headless --dump-dom` run loads a measuring page holding the page under test once per
/// width in an `<iframe srcdoc>` of exactly that width (a headless window cannot be narrower than 500 px; an
/// iframe is a real layout viewport: media queries and percentages follow it). A script measures each frame on
/// `load` and writes the result into the DOM that `--dump-dom` prints (see `HeadlessChromiumScript`).
/// ```swift
/// let report = try await HeadlessChromium.measure(file: page, widths: [375, 800], texts: ["Subject", "Ana"])
/// #expect(report.frames.allSatisfy { !$0.overflows })
/// ```
public enum HeadlessChromium {
    /// The Chromium executable: `MAILGATEWAY_CHROMIUM`, else the first of chromium / chromium-browser /
    /// google-chrome found on PATH or in /usr/bin; nil when none is installed.
    public static let executable: String? = {
        let fm = FileManager.default
        if let path = ProcessInfo.processInfo.environment["MAILGATEWAY_CHROMIUM"], !path.isEmpty {
            return fm.isExecutableFile(atPath: path) ? path : nil
        }
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/bin"]
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for folder in folders where fm.isExecutableFile(atPath: "\(folder)/\(name)") {
                return "\(folder)/\(name)"
            }
        }
        return nil
    }()

    /// Whether Chromium is installed on this machine.
    public static var installed: Bool { executable != nil }

    /// Whether the rendering tests run: where Chromium is installed, and always under
    /// `MAILGATEWAY_REQUIRE_INTEGRATION=1` (CI), where a missing Chromium then fails them instead of skipping.
    public static var available: Bool { installed || IntegrationRequirement.required }

    /// Why rendering tests are skipped where Chromium is absent.
    public static let absentMessage =
        "chromium is not installed (Debian: chromium, see scripts/install-deps.sh): HTML rendering tests skipped"

    /// What one viewport width showed.
    public struct Frame: Decodable, Sendable {
        /// The width asked for, in CSS px.
        public var width: Int
        /// The frame's `innerWidth` and the document's `clientWidth` (both must equal `width`).
        public var innerWidth: Int
        public var clientWidth: Int
        /// The document's `scrollWidth`: more than `clientWidth` means a horizontal scroll bar.
        public var scrollWidth: Int
        /// Elements whose box reaches past the viewport's left or right edge (at most 8, described), even when
        /// an `overflow: hidden` hides the scroll bar.
        public var beyondViewport: [String]
        /// `<script>` elements in the page.
        public var scripts: Int
        /// Elements that would load something (`src`, `<link href>`, `<object data>`, `background`).
        public var externalResources: [String]
        /// Each text looked for.
        public var texts: [TextVisibility]

        /// A horizontal scroll bar, or content past the viewport's edges.
        public var overflows: Bool { scrollWidth > clientWidth || !beyondViewport.isEmpty }
        /// The texts that cannot be seen.
        public var hiddenTexts: [TextVisibility] { texts.filter { !$0.visible } }
    }

    /// Whether a text can be seen: some element containing it has a non-empty box inside the viewport
    /// horizontally, is not `visibility: hidden`, transparent or under `opacity: 0`, and is not clipped by an
    /// ancestor's `overflow`.
    public struct TextVisibility: Decodable, Sendable {
        public var text: String
        /// How many innermost elements contain it.
        public var occurrences: Int
        public var visible: Bool
        /// Why the first occurrence is not visible (nil when one is).
        public var reason: String?
    }

    /// The measurements of one page.
    public struct Report: Decodable, Sendable {
        public var frames: [Frame]
        /// Wall-clock time of the Chromium run, in seconds.
        public var seconds: Double = 0
        enum CodingKeys: String, CodingKey { case frames }
    }

    /// Loads `file` at each of `widths` (CSS px) and measures it, looking for `texts` (whitespace-insensitive).
    public static func measure(file: URL, widths: [Int], texts: [String], timeoutSeconds: Int = 60)
        async throws -> Report
    {
        guard let chromium = executable else { throw HeadlessChromiumError(message: absentMessage) }
        let page = try String(contentsOf: file, encoding: .utf8)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mailgw-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let measuring = folder.appendingPathComponent("measure.html")
        try measuringPage(page: page, widths: widths, texts: texts).write(to: measuring, atomically: true, encoding: .utf8)
        let dump = folder.appendingPathComponent("dom.html")
        let window = "\(max(widths.max() ?? 800, 500) + 40),\(1200)"
        var arguments = ["--headless", "--disable-gpu", "--hide-scrollbars", "--mute-audio", "--no-first-run",
                         "--disable-extensions", "--disable-background-networking", "--disable-sync",
                         "--user-data-dir=\(folder.appendingPathComponent("profile").path)",
                         "--window-size=\(window)", "--virtual-time-budget=5000", "--dump-dom", measuring.absoluteString]
        // Chromium refuses to run as root with its sandbox (containers, CI).
        if geteuid() == 0 { arguments.insert("--no-sandbox", at: 0) }

        let started = Date()
        // stdout (the DOM) to a file of its own; Chromium's stderr chatter stays in the outcome for diagnosis.
        let outcome = try await ChildProcess.run("/bin/sh", [
            "-c", "out=\"$1\"; shift; exec \"$@\" > \"$out\"", "sh", dump.path,
            "/usr/bin/timeout", "-k", "5", "\(timeoutSeconds)", chromium,
        ] + arguments)
        let seconds = Date().timeIntervalSince(started)
        let dom = (try? String(contentsOf: dump, encoding: .utf8)) ?? ""
        guard outcome.status == 0, let encoded = between(dom, "<pre id=\"mailgw-measure\">", "</pre>"),
              let json = Data(base64Encoded: encoded)
        else {
            throw HeadlessChromiumError(message: "chromium (exit \(outcome.status)) gave no measurement for "
                + "\(file.lastPathComponent): \(outcome.output.suffix(2000)) \(dom.suffix(500))")
        }
        if let failure = try? JSONDecoder().decode([String: String].self, from: json), let error = failure["error"] {
            throw HeadlessChromiumError(message: "measuring \(file.lastPathComponent) failed in the page: \(error)")
        }
        var report = try JSONDecoder().decode(Report.self, from: json)
        report.seconds = seconds
        return report
    }

    /// The page holding `page` in one iframe per width, the texts as JSON, and the measuring script.
    static func measuringPage(page: String, widths: [Int], texts: [String]) throws -> String {
        let textsJSON = String(decoding: try JSONEncoder().encode(texts), as: UTF8.self)
            .replacingOccurrences(of: "</", with: "<\\/")
        let frames = widths.map { width in
            "<iframe data-width=\"\(width)\" style=\"display:block;border:0;margin:0 0 16px 0;padding:0;"
                + "width:\(width)px;height:1000px\" srcdoc=\"\(attributeEscaped(page))\"></iframe>"
        }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>measure</title></head>
            <body style="margin:0;padding:0">
            \(frames)
            <script type="application/json" id="mailgw-texts">\(textsJSON)</script>
            <script>\(HeadlessChromiumScript.source)</script>
            </body></html>
            """
    }

    static func attributeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func between(_ text: String, _ start: String, _ end: String) -> String? {
        guard let from = text.range(of: start), let to = text.range(of: end, range: from.upperBound..<text.endIndex)
        else { return nil }
        return String(text[from.upperBound..<to.lowerBound])
    }
}

/// Chromium is missing, or gave no measurement.
public struct HeadlessChromiumError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
