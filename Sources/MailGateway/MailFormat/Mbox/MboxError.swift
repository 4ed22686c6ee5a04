/// A failure reading or writing an mbox file. Carries the path and the system error, never message content.
public struct MboxError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The mbox file concerned.
    public var path: String
    /// What was being done ("open", "read", "write", "gzip").
    public var operation: String
    /// `errno` or the gzip exit status, when there is one.
    public var code: Int32?
    /// A short explanation.
    public var reason: String

    /// Creates an error value.
    public init(path: String, operation: String, code: Int32? = nil, reason: String) {
        self.path = path
        self.operation = operation
        self.code = code
        self.reason = reason
    }

    /// `mbox <operation> failed for <path>: <reason> (code)`.
    public var description: String {
        "mbox \(operation) failed for \(path): \(reason)" + (code.map { " (\($0))" } ?? "")
    }
}
