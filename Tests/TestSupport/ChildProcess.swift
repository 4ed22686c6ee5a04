import Foundation
#if canImport(Glibc)
public import Glibc
#endif

/// Runs a helper program (a project script, `doveadm`, ...) and waits for it, with a clean signal state.
///
/// Why not Foundation's `Process`: the test runner's threads block signals such as SIGTERM, and `Process`
/// passes that mask on, so a daemon started by a script (Dovecot, Postfix) would ignore `kill` for ever.
/// Here the child starts with an empty signal mask and default handlers, stdin on /dev/null, its output in a
/// file (a pipe would stay open as long as a backgrounded daemon inherits it).
public enum ChildProcess {
    /// The exit status and everything the program printed on stdout and stderr.
    public struct Outcome: Sendable {
        /// The exit code (128 + the signal number when a signal ended it).
        public var status: Int32
        /// stdout and stderr, interleaved.
        public var output: String
    }

    /// Runs `executable` on a thread of its own and suspends until it exits, so a test waiting for a script does
    /// not hold one of the few threads of Swift's cooperative pool (other tests' tasks need them).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil)
        async throws -> Outcome
    {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try runBlocking(executable, arguments, environment: environment) })
            }
            thread.start()
        }
    }

    /// Runs `executable` with `arguments` and `environment` (nil: inherit) and waits for it to exit, blocking
    /// the calling thread.
    public static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String]? = nil)
        throws -> Outcome
    {
        let child = try spawn(executable, arguments, environment: environment)
        return child.wait()
    }

    /// Starts `executable` without waiting (a daemon under test); its output goes to a file read by `wait()`.
    public static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]? = nil)
        throws -> RunningChild
    {
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("mailgw-child-\(UUID().uuidString).out").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM] {
            sigaddset(&defaultSignals, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environmentList = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let envp = environmentList.map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }

        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            unlink(outputPath)
            throw ChildProcessError(command: executable, output: "cannot start: \(String(cString: strerror(spawned)))")
        }
        return RunningChild(pid: pid, outputPath: outputPath)
    }
}

/// A started child process: signal it, read what it printed so far, wait for it.
public final class RunningChild: Sendable {
    public let pid: pid_t
    let outputPath: String

    init(pid: pid_t, outputPath: String) {
        self.pid = pid
        self.outputPath = outputPath
    }

    /// Sends `signal` (default SIGTERM).
    public func signal(_ signal: Int32 = SIGTERM) {
        kill(pid, signal)
    }

    /// What the child printed so far (stdout and stderr).
    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// `wait()` on a thread of its own (see `ChildProcess.runOffPool`).
    public func waitOffPool() async -> ChildProcess.Outcome {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.wait()) }.start()
        }
    }

    /// Waits for the child to exit; returns its exit status (128 + signal when killed) and all it printed.
    public func wait() -> ChildProcess.Outcome {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { break }
        }
        let text = output
        unlink(outputPath)
        // WIFEXITED / WEXITSTATUS are macros: exit code in bits 8-15 when the low 7 bits are 0.
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ChildProcess.Outcome(status: exitCode, output: text)
    }
}

/// A helper program could not be started, or failed.
public struct ChildProcessError: Error, CustomStringConvertible {
    /// The command line.
    public var command: String
    /// What it printed.
    public var output: String
    /// The command and its output.
    public var description: String { "\(command) failed: \(output)" }
}
