/// One problem found in a configuration file, with the JSON path where it is (`$.lists[2].mailbox.user`).
public struct ConfigProblem: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// A configuration that can't be used, with every problem found (not just the first).
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The file that was read (or "<environment>").
    public var file: String
    public var problems: [ConfigProblem]

    public init(file: String, problems: [ConfigProblem]) {
        self.file = file
        self.problems = problems
    }

    public var description: String {
        let plural = problems.count == 1 ? "problem" : "problems"
        return "\(file): \(problems.count) \(plural)\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
