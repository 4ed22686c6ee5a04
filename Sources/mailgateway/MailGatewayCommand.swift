import ArgumentParser

/// The `mailgateway` executable: argument parsing and output only; the work is done by the MailGateway library,
/// the daemon by MailGatewayRuntime, the benchmarks by MailGatewayBench.
@main
struct MailGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailgateway",
        abstract: "Moderated, partner-only mailing lists over IMAP mailboxes, with a searchable archive.",
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

    /// Parses and runs a command, and reports what it throws: a `CommandFailure` as its own text and status,
    /// everything else with argument-parser's message and status (usage errors 64, other errors 1), terminal-safe.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            printError(failure.description)
            exit(withError: ExitCode(failure.status))
        } catch {
            // argument-parser's own report (usage errors 64, others 1), made terminal-safe: it can quote mail.
            let status = exitCode(for: error)
            guard status != .success else { exit(withError: error) }  // --help, --version: to standard output
            let message = fullMessage(for: error)
            if !message.isEmpty { printError(message) }
            exit(withError: ExitCode(status.rawValue))
        }
    }
}
