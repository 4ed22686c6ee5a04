import Foundation
import MailGateway
import Testing

/// Welcomes and sticky removals through the built executable (`partners import [--no-welcome]`, `members add`,
/// `members remove`).
@Suite("CLI: welcome and removal")
struct MembershipCLITests {
    @Test("a register import welcomes the people new to a list; --no-welcome none; a removal sticks across a re-import")
    func welcomesAndRemoval() async throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let csv = try cli.write("register.csv", CLICommandsTests.goodRegister)
        let first = try await cli.run(["partners", "import", csv, "--no-welcome"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(!first.stdout.contains("welcomes queued"))
        #expect(try await cli.json([OutboxRow].self, ["outbox", "list"]).isEmpty)

        let removed = try await cli.run(["members", "remove", "--list", "college-research", "marie.dupont@inrae.fr"])
        #expect(removed.status == 0, "\(removed.stderr)")
        let again = try await cli.run(["partners", "import", csv])
        #expect(again.status == 0 && again.stdout.contains("welcomes queued: 0"), "nobody is new to a list")
        let members = try await cli.json([MemberRow].self, ["members", "list", "--list", "college-research"])
        #expect(!members.contains { $0.address == "marie.dupont@inrae.fr" }, "the removal sticks")

        // members add brings her back (clearing the opt-out) and welcomes her.
        let added = try await cli.run(["members", "add", "--list", "college-research", "marie.dupont@inrae.fr"])
        #expect(added.status == 0 && added.stdout.contains("welcome queued for marie.dupont@inrae.fr"), "\(added.stderr)")
        #expect(try await cli.json([OutboxRow].self, ["outbox", "list"]).map(\.recipient) == ["marie.dupont@inrae.fr"])
        _ = try await cli.run(["partners", "import", csv])
        #expect(try await cli.json([MemberRow].self, ["members", "list", "--list", "college-research"])
            .contains { $0.address == "marie.dupont@inrae.fr" })
    }

    @Test("a first import without --no-welcome queues one welcome per new membership")
    func firstImportWelcomes() async throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let run = try await cli.run(["partners", "import", try cli.write("register.csv", CLICommandsTests.goodRegister)])
        #expect(run.status == 0, "\(run.stderr)")
        let outbox = try await cli.json([OutboxRow].self, ["outbox", "list"])
        #expect(run.stdout.contains("welcomes queued: \(outbox.count)"))
        #expect(outbox.contains { $0.recipient == "marie.dupont@inrae.fr" } && outbox.contains { $0.recipient == "john@cirad.fr" })
    }
}
