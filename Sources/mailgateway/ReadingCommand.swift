import ArgumentParser
import MailGatewayCLI

/// The commands this executable runs itself: `archive search`, synchronous, over MailGatewayCore only (the
/// configuration and a read-only database). Their usage, help and errors read as the full command tree's.
struct ReadingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailgateway",
        abstract: CommandAbstracts.root,
        subcommands: [Archive.self])

    /// `mailgateway archive`, as far as this executable knows it.
    struct Archive: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "archive",
            abstract: CommandAbstracts.archive,
            subcommands: [ArchiveSearchCommand.self])
    }

    /// True when `arguments` (without the program name) name a command of this tree: `archive search`, whatever
    /// follows (its options, `--help`). Everything else, `--help` of the whole tree included, is the daemon's.
    static func runs(_ arguments: ArraySlice<String>) -> Bool {
        Array(arguments.prefix(2)) == ["archive", "search"]
    }
}
