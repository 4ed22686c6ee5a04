import ArgumentParser

/// The `mailgateway` executable: argument parsing only; the work is done by the MailGateway and Digest libraries.
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
            BenchCommand.self,
        ]
    )
}
