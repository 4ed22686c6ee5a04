public import Foundation

/// Resolves secrets (passwords, keys) from the environment or a file. Secrets never live in the JSON
/// configuration and are never logged.
public struct Secrets: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The secret from the variable named `env`, else the first line of `file`; nil when neither gives one.
    public func value(env: String?, file: String?) -> String? {
        if let env, let v = environment[env], !v.isEmpty { return v }
        if let file, let text = try? String(contentsOfFile: file, encoding: .utf8) {
            let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : trimmed
        }
        return nil
    }

    /// A warning when the secret `file` can be read by its group or by others (the moderation key signs tokens
    /// that approve posts): the path and the mode, never the content. Nil when it can't be read by them.
    public static func looseModeWarning(file: String?) -> String? {
        guard let file, let attributes = try? FileManager.default.attributesOfItem(atPath: file),
              let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 else { return nil }
        return "key file \(file) is readable by group or others (mode \(String(mode & 0o777, radix: 8))): chmod 600 it"
    }

    /// Why the secret can't be had, in words for an operator; nil when it can.
    public func problem(env: String?, file: String?) -> String? {
        if value(env: env, file: file) != nil { return nil }
        switch (env, file) {
        case (let e?, let f?): return "password variable \(e) is not set and file \(f) is unreadable or empty"
        case (let e?, nil): return "password variable \(e) is not set"
        case (nil, let f?): return "password file \(f) is unreadable or empty"
        case (nil, nil): return "no password_env or password_file given"
        }
    }
}
