import ArgumentParser
import MailGatewayCLI

/// The `mailgateway-daemon` executable: every command (the `mailgateway` executable runs the reading commands it
/// knows itself and execs this one for the rest, with the same arguments). Argument parsing and output only; the
/// work is done by the MailGateway library, the daemon by MailGatewayRuntime, the benchmarks by MailGatewayBench.
@main
struct MailGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailgateway",
        abstract: CommandAbstracts.root,
        subcommands: [
            RunCommand.self,
            CheckConfigCommand.self,
            ArchiveCommand.self,
            PartnersCommand.self,
            MembersCommand.self,
            ModerationCommand.self,
            OutboxCommand.self,
            BouncesCommand.self,
            DigestCommand.self,
            BenchCommand.self,
        ]
    )

    /// Parses and runs a command, and reports what it throws (``reportedExit(for:of:)``).
    static func main() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: reportedExit(for: error, of: Self.self))
        }
    }
}
