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
        guard ReadingCommand.runs(arguments.dropFirst()) else { execDaemon() }
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
    static func execDaemon() -> Never {
        guard let path = daemonPath() else {
            printError("mailgateway: cannot locate mailgateway-daemon (/proc/self/exe is unreadable); run it by its full path")
            exit(127)
        }
        execv(path, CommandLine.unsafeArgv)
        let reason = String(cString: strerror(errno))
        // Shown, not used: a folder name that is not UTF-8 is printed with replacement characters.
        let shown = String(decoding: path.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        printError("mailgateway: cannot run \(shown): \(reason)")
        exit(127)
    }

    /// `mailgateway-daemon` in the directory of the running executable, as the NUL-terminated bytes of its path (a
    /// folder whose name is not UTF-8 is kept as is, never re-encoded); nil when that directory is unknown (no /proc, a
    /// truncated link, and an `argv[0]` without a directory): never a guess in the current directory.
    static func daemonPath() -> [CChar]? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count)
        var me: [CChar]
        if count > 0, count < buffer.count {
            me = Array(buffer.prefix(count))
        } else {
            guard let argv0 = CommandLine.unsafeArgv[0] else { return nil }
            me = Array(UnsafeBufferPointer(start: argv0, count: strlen(argv0)))
        }
        guard let slash = me.lastIndex(of: CChar(UInt8(ascii: "/"))) else { return nil }
        me.removeSubrange((slash + 1)...)
        return me + "mailgateway-daemon".utf8CString
    }
}
