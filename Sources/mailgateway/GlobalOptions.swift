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

    /// Loads and validates the configuration; on failure every problem is reported and the command exits with 2.
    func loadConfig(checkSecrets: Bool = true) throws -> GatewayConfig {
        let loader = ConfigLoader()
        let path = loader.resolvePath(config)
        do {
            return try loader.load(path: path, checkSecrets: checkSecrets)
        } catch {
            throw CommandFailure(message: error.description, status: 2, prefix: "")
        }
    }

    /// Loads the configuration (IMAP/SMTP passwords are not needed by the administrative commands) and opens
    /// the whole gateway: the database with every migration, the templates and the keys. For the commands that
    /// send notices (moderation approve, reject, discard, expire). Problems exit with 2.
    func openGateway(busyTimeout: TimeInterval = 10) throws -> Gateway {
        try opening { config in try Gateway(config: config, busyTimeout: busyTimeout) }
    }

    /// Loads the configuration (without checking secrets) and opens only the database, migrated as needed: no
    /// templates, no keys. For the commands that read or edit tables. Problems exit with 2.
    func openStore(busyTimeout: TimeInterval = 10) throws -> AdminGateway {
        try opening { config in
            AdminGateway(config: config, database: try GatewayStore.open(config: config, busyTimeout: busyTimeout))
        }
    }

    /// Loads the configuration (without checking secrets) and opens the database read-only: no migrations (a
    /// database older than this binary is refused with words), no list rows registered, no templates, no keys.
    /// For the commands that only read. Problems exit with 2.
    func openReader(busyTimeout: TimeInterval = 10) throws -> ReadingGateway {
        try opening { config in
            ReadingGateway(config: config, database: try ReadOnlyStore.open(config: config, busyTimeout: busyTimeout))
        }
    }

    private func opening<T>(_ open: (GatewayConfig) throws -> T) throws -> T {
        let config = try loadConfig(checkSecrets: false)
        do {
            return try open(config)
        } catch {
            throw CommandFailure(message: "cannot open the gateway: \(describe(error))", status: 2, prefix: "")
        }
    }

    /// A logger writing to standard error (the executable is the only place that bootstraps logging).
    func makeLogger(_ label: String = "mailgateway") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}

/// The gateway as the administrative commands see it: its configuration and its database.
struct AdminGateway {
    let config: GatewayConfig
    let database: GatewayStore
}

/// The gateway as the commands that only read see it: its configuration and its database, read-only.
struct ReadingGateway {
    let config: GatewayConfig
    let database: ReadOnlyStore
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Prints to standard error, made ``terminalSafe(_:multiline:)`` (errors can quote mail or a server's reply).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((terminalSafe(text, multiline: true) + "\n").utf8))
}
