public import ArgumentParser
package import Foundation
public import Logging
package import MailGatewayCore

/// Options every command takes.
package struct GlobalOptions: ParsableArguments {
    package init() {}

    @Option(name: .long, help: ArgumentHelp("Configuration file (default: $MAILGATEWAY_CONFIG, then ./config.json).", valueName: "file"))
    package var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    package var logLevel: Logger.Level = .info

    /// Loads and validates the configuration; on failure every problem is reported and the command exits with 2.
    package func loadConfig(checkSecrets: Bool = true) throws -> GatewayConfig {
        try Self.loadConfig(configPath: config, checkSecrets: checkSecrets)
    }

    /// ``loadConfig(checkSecrets:)`` of the file given by `--config` (nil: `$MAILGATEWAY_CONFIG`, then
    /// ./config.json).
    package static func loadConfig(configPath: String?, checkSecrets: Bool) throws -> GatewayConfig {
        let loader = checkSecrets ? ConfigLoader() : ConfigLoader.withoutSecrets()
        let path = loader.resolvePath(configPath)
        do {
            return try loader.load(path: path, checkSecrets: checkSecrets)
        } catch {
            throw CommandFailure(message: error.description, status: 2, prefix: "")
        }
    }

    /// Loads the configuration (without checking secrets) and opens the database read-only: no migrations (a
    /// database older than this binary is refused with words), no list rows registered, no templates, no keys.
    /// For the commands that only read. Problems exit with 2.
    package func openReader(busyTimeout: TimeInterval = 10) throws -> ReadingGateway {
        try Self.openReader(configPath: config, busyTimeout: busyTimeout)
    }

    /// ``openReader(busyTimeout:)`` with the configuration file given by `--config`.
    package static func openReader(configPath: String?, busyTimeout: TimeInterval = 10) throws -> ReadingGateway {
        try opening(configPath: configPath) { config in
            ReadingGateway(config: config, database: try ReadOnlyStore.open(config: config, busyTimeout: busyTimeout))
        }
    }

    /// Loads the configuration (without checking secrets) and opens what `open` opens with it; its failure is
    /// reported as `cannot open the gateway: …`, status 2.
    package func opening<T>(_ open: (GatewayConfig) throws -> T) throws -> T {
        try Self.opening(configPath: config, open)
    }

    private static func opening<T>(configPath: String?, _ open: (GatewayConfig) throws -> T) throws -> T {
        let config = try loadConfig(configPath: configPath, checkSecrets: false)
        do {
            return try open(config)
        } catch {
            throw CommandFailure(message: "cannot open the gateway: \(describe(error))", status: 2, prefix: "")
        }
    }

    /// A logger writing to standard error (the executable is the only place that bootstraps logging).
    package func makeLogger(_ label: String = "mailgateway") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}

/// The gateway as the commands that only read see it: its configuration and its database, read-only.
package struct ReadingGateway {
    package let config: GatewayConfig
    package let database: ReadOnlyStore
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Prints to standard error, made ``terminalSafe(_:multiline:)`` (errors can quote mail or a server's reply).
package func printError(_ text: String) {
    FileHandle.standardError.write(Data((terminalSafe(text, multiline: true) + "\n").utf8))
}
