package import ArgumentParser

/// How the root command of an executable reports what a command threw, before it ends the process with
/// `Root.exit(withError:)` on the value returned: a ``CommandFailure`` as its own text (terminal-safe) and status;
/// everything else with argument-parser's message and status (usage errors 64, other errors 1), terminal-safe
/// (it can quote mail); `--help` and `--version` unchanged (to standard output).
package func reportedExit<Root: ParsableCommand>(for error: any Error, of root: Root.Type) -> any Error {
    if let failure = error as? CommandFailure {
        printError(failure.description)
        return ExitCode(failure.status)
    }
    let status = Root.exitCode(for: error)
    guard status != .success else { return error }
    let message = Root.fullMessage(for: error)
    if !message.isEmpty { printError(message) }
    return ExitCode(status.rawValue)
}
