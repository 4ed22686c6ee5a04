import ArgumentParser
import Glibc
import MailGatewayCLI

/// The `mailgateway` executable: a thin dispatcher. The reading commands it knows (``ReadingCommand``) run here,
/// linked against GRDB, argument-parser and MailGatewayCore only, so that they start in a few milliseconds; every
/// other command (and `--help`) is the `mailgateway-daemon` executable beside this one, exec'd with the same
/// arguments: same process, same output and exit status.
@main
enum MailGatewayMain {
    static func main() {
        let arguments = CommandLine.arguments
        guard ReadingCommand.runs(arguments.dropFirst()) else { execDaemon(arguments) }
        do {
            // The common shapes of `archive search` without argument-parser's reflection; the others (help,
            // errors, the rarer options) through it.
            if let search = ArchiveSearchRequest(commonShape: arguments.dropFirst(3)) {
                // The process ends right after: its end closes the read-only connection.
                return try search.run(closingTheDatabase: false)
            }
            var command = try ReadingCommand.parseAsRoot()
            try command.run()
        } catch {
            ReadingCommand.exit(withError: reportedExit(for: error, of: ReadingCommand.self))
        }
    }

    /// Replaces this process with `mailgateway-daemon`, found beside this executable (`/proc/self/exe`), with
    /// the same arguments, byte for byte (`CommandLine.unsafeArgv`: a Latin-1 file name is not re-encoded), and
    /// environment. Only returns by ending the process (status 127) when it cannot.
    static func execDaemon(_ arguments: [String]) -> Never {
        guard let path = daemonPath() else {
            printError("mailgateway: cannot locate mailgateway-daemon (/proc/self/exe is unreadable); run it by its full path")
            exit(127)
        }
        execv(path, CommandLine.unsafeArgv)
        let reason = String(cString: strerror(errno))
        printError("mailgateway: cannot run \(path): \(reason)")
        exit(127)
    }

    /// `mailgateway-daemon` in the directory of the running executable; nil when that directory is unknown
    /// (no /proc, a truncated link, and an `argv[0]` without a directory): never a guess in the current directory.
    static func daemonPath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count)
        let me: String
        if count > 0, count < buffer.count {
            me = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } else {
            me = CommandLine.arguments[0]
        }
        guard let slash = me.lastIndex(of: "/") else { return nil }
        return String(me[..<slash]) + "/mailgateway-daemon"
    }
}
