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
            var command = try ReadingCommand.parseAsRoot()
            try command.run()
        } catch {
            ReadingCommand.exit(withError: reportedExit(for: error, of: ReadingCommand.self))
        }
    }

    /// Replaces this process with `mailgateway-daemon`, found beside this executable (`/proc/self/exe`), with
    /// the same arguments and environment. Only returns by ending the process (status 127) when it cannot.
    static func execDaemon(_ arguments: [String]) -> Never {
        let path = daemonPath()
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv(path, &argv)
        let reason = String(cString: strerror(errno))
        printError("mailgateway: cannot run \(path): \(reason)")
        exit(127)
    }

    /// `mailgateway-daemon` in the directory of the running executable.
    static func daemonPath() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        let count = readlink("/proc/self/exe", &buffer, buffer.count)
        let me = count > 0 ? String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : CommandLine.arguments[0]
        let directory = me.lastIndex(of: "/").map { String(me[..<$0]) } ?? "."
        return directory + "/mailgateway-daemon"
    }
}
