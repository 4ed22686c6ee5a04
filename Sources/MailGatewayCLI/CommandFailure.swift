import ArgumentParser
package import MailGatewayCore

/// A failure the operator can act on, thrown from a command's `run()`. The root command of each executable reports
/// it (``reportedExit(for:of:)``): its text on standard error, made terminal-safe, then exit `status`. Every other
/// error goes through argument-parser's own reporting.
package struct CommandFailure: Error, CustomStringConvertible {
    package var message: String
    package var status: Int32 = 1
    /// Printed before the message: `error: ` (the administrative commands), `mailgateway: ` (run, bench, the
    /// archive's lookups), or nothing (configuration problems, which start with their file or path).
    package var prefix = "error: "

    package init(message: String, status: Int32 = 1, prefix: String = "error: ") {
        self.message = message
        self.status = status
        self.prefix = prefix
    }

    package var description: String { prefix + message }
}

/// Runs a command body whose library errors become a `CommandFailure` (`error: <description>`, status 1);
/// `CommandFailure`s and argument-parser's own exits pass through.
package func reportingFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let failure as CommandFailure {
        throw failure
    } catch let exit as ExitCode {
        throw exit
    } catch {
        throw CommandFailure(message: describe(error))
    }
}

/// Words for an error: its `description` when it has one written for people, never a Swift dump.
package func describe(_ error: any Error) -> String {
    // The library's errors describe themselves for people (context, no addresses or bodies).
    String(describing: error)
}

/// Checks a list id against the configuration.
package func requireList(_ id: String, in config: GatewayConfig) throws -> ListConfig {
    guard let list = config.list(id: id) else {
        throw CommandFailure(message: "no list has the id \"\(id)\"; configured lists: "
            + config.lists.map(\.id).joined(separator: ", "))
    }
    return list
}
