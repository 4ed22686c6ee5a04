public import ArgumentParser
import Foundation
public import Logging
import MailGateway

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file (default: $MAILGATEWAY_CONFIG, then ./config.json).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    /// Loads and validates the configuration; on failure prints every problem and exits non-zero.
    func loadConfig(checkSecrets: Bool = true) throws -> GatewayConfig {
        let loader = ConfigLoader()
        let path = loader.resolvePath(config)
        do {
            return try loader.load(path: path, checkSecrets: checkSecrets)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
    }

    /// A logger writing to standard error (the executable is the only place that bootstraps logging).
    func makeLogger(_ label: String = "mailgateway") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Prints to standard error, made ``terminalSafe(_:multiline:)`` (errors can quote mail or a server's reply).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((terminalSafe(text, multiline: true) + "\n").utf8))
}
