public import Foundation

/// Locates the shared real-mail corpora (`../shared/corpora` beside the repository, or `MAILGATEWAY_CORPORA`).
/// They are read in place, never copied into the project. Tests that need them are skipped, with a message
/// saying so, where they are absent.
public enum Corpora {
    /// The corpora folder, or nil when it is not on this machine.
    public static let root: URL? = {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["MAILGATEWAY_CORPORA"], !env.isEmpty {
            return fm.fileExists(atPath: env) ? URL(fileURLWithPath: env) : nil
        }
        // Tests/TestSupport/Corpora.swift -> repository root -> ../shared/corpora
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidate = repo.deletingLastPathComponent().appendingPathComponent("shared/corpora")
        return fm.fileExists(atPath: candidate.path) ? candidate : nil
    }()

    public static var available: Bool { root != nil }

    /// Why corpus tests are skipped, for the test report.
    public static let absentMessage =
        "shared corpora not found (expected ../shared/corpora or MAILGATEWAY_CORPORA): corpus tests skipped"

    /// A path inside the corpora folder.
    public static func url(_ relative: String) -> URL? { root?.appendingPathComponent(relative) }

    /// The repository root (for scripts/ and templates/).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}
