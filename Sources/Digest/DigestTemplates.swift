internal import Foundation
import MailGateway
import Mustache

/// The digest's templates, `templates/<fr|en|es>/digest-*.mustache`, loaded as ``NoticeComposer`` loads the
/// notices': every one must exist and parse in every language (a digest is the member's, in the member's
/// language, never a fallback).
struct DigestTemplates: Sendable {
    /// One template per text the renderer writes.
    enum Name: String, CaseIterable, Sendable {
        /// The Subject line (first line of the rendered text).
        case subject = "digest-subject.txt"
        /// The default digest: text/plain alternative and text/html alternative.
        case text = "digest-text.txt"
        case html = "digest-html.html"
        /// RFC 1153.
        case plain = "digest-plain.txt"
        /// RFC 2046 multipart/digest: the table of contents part.
        case mimeContents = "digest-mime-contents.txt"
        /// Threads and authors only.
        case summaryText = "digest-summary-text.txt"
        case summaryHTML = "digest-summary-html.html"
    }

    private let templates: [Language: [Name: MustacheTemplate]]

    /// Loads every template. Throws ``DigestTemplateError`` for one missing, not UTF-8, or not parsing.
    init(directory: String) throws {
        var templates: [Language: [Name: MustacheTemplate]] = [:]
        for language in Language.allCases {
            for name in Name.allCases {
                let path = "\(directory)/\(language.rawValue)/\(name.rawValue).mustache"
                let template: MustacheTemplate?
                do { template = try TemplateFile.load(path) } catch { throw DigestTemplateError(path: path, reason: error.reason) }
                guard let template else { throw DigestTemplateError(path: path, reason: "missing") }
                templates[language, default: [:]][name] = template
            }
        }
        self.templates = templates
    }

    /// The rendered text (every template exists: `init` checked).
    func render(_ name: Name, language: Language, _ context: [String: Any]) -> String {
        templates[language]?[name]?.render(context) ?? ""
    }
}

/// A digest template that failed to load, with its path.
public struct DigestTemplateError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}
