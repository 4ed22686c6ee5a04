import Foundation
public import Mustache

/// One mustache template file of `templates/`, as the user-facing texts are loaded (notices, digests):
/// nil when the file does not exist (the caller decides whether that is an error), a reason when it is
/// not UTF-8 or does not parse.
public enum TemplateFile {
    /// Why a template file that exists cannot be used.
    public struct Problem: Error, Sendable {
        public var reason: String
    }

    public static func load(_ path: String) throws(Problem) -> MustacheTemplate? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let text = String(data: data, encoding: .utf8) else { throw Problem(reason: "not UTF-8") }
        do {
            return try MustacheTemplate(string: text)
        } catch {
            throw Problem(reason: "does not parse: \(error)")
        }
    }
}
