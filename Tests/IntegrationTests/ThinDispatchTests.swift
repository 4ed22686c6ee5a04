import Foundation
import Testing
import TestSupport

/// The thin `mailgateway` execs `mailgateway-daemon` from its own folder for every command it does not run itself.
@Suite("mailgateway finds mailgateway-daemon beside itself")
struct ThinDispatchTests {
    /// An install folder whose name is Latin-1, not UTF-8 (`café` with the byte 0xE9): the daemon's path is built from
    /// the bytes of `/proc/self/exe`, so the exec reaches the daemon instead of a re-encoded path that does not exist.
    @Test("from a folder whose name is not UTF-8")
    func folderNameNotUTF8() async throws {
        let thin = GatewayHarness.executable
        let daemon = URL(fileURLWithPath: thin).deletingLastPathComponent().appendingPathComponent("mailgateway-daemon").path
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mg-thin-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        // The shell makes the folder and runs the copy from inside it: no Swift String ever holds its name.
        let script = """
            set -e
            folder=$(printf '%s/caf\\351' "$1")
            mkdir -p "$folder"
            cp "$2" "$3" "$folder"/
            cd "$folder"
            ./mailgateway --help
            """
        let outcome = try await ChildProcess.run("/bin/sh", ["-c", script, "sh", root, thin, daemon])
        #expect(outcome.status == 0, "\(outcome.output)")
        // The daemon's root help, which only mailgateway-daemon prints (the thin binary knows no `run`).
        #expect(outcome.output.contains("USAGE: mailgateway"), "\(outcome.output)")
        #expect(outcome.output.contains("\n  run "), "\(outcome.output)")
        #expect(!outcome.output.contains("cannot run"), "\(outcome.output)")
    }
}
