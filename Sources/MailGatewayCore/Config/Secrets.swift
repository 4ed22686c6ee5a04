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

    /// Why the secret can't be had, in words for an operator; nil when it can. A variable "name" that is not a
    /// valid name (an operator who wrote the password there) is never repeated.
    public func problem(env: String?, file: String?) -> String? {
        if value(env: env, file: file) != nil { return nil }
        if let env, !ConfigLoader.isEnvName(env) {
            return "the value of password_env is not a valid environment variable name" + (file.map { " and password file \($0) is unreadable or empty" } ?? "")
        }
        switch (env, file) {
        case (let e?, let f?): return "password variable \(e) is not set and file \(f) is unreadable or empty"
        case (let e?, nil): return "password variable \(e) is not set"
        case (nil, let f?): return "password file \(f) is unreadable or empty"
        case (nil, nil): return "no password_env or password_file given"
        }
    }

    /// The shortest moderation secret accepted (`ModerationKey(secret:)`).
    public static let minimumKeyBytes = 32

    /// Why the moderation key can't be had, in words for an operator (naming the variable or file, never the
    /// value); nil when it can. Without a key no hold could be announced to its moderators.
    public func keyProblem(env: String, file: String?) -> String? {
        guard ConfigLoader.isEnvName(env) else {
            return "the value of key_env is not a valid environment variable name"
        }
        let source = file.map { "variable \(env) or file \($0)" } ?? "variable \(env)"
        guard let secret = value(env: env, file: file) else {
            return "moderation key missing: set \(source) (at least \(Self.minimumKeyBytes) bytes); without it no moderator is told of a held post"
        }
        guard secret.utf8.count >= Self.minimumKeyBytes else {
            return "moderation key too short: \(source) holds fewer than \(Self.minimumKeyBytes) bytes"
        }
        return nil
    }
}
