import ArgumentParser
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the gateway daemon.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "One pass over every mailbox, then exit.") var once = false
    func run() async throws { _ = try global.loadConfig() }
}
