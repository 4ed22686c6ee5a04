public import Foundation
import Mustache

/// The footer added to every outgoing copy, rendered from `templates/<lang>/footer.txt.mustache`
/// (swift-mustache; the templates declare `{{% CONTENT_TYPE: TEXT}}` so nothing is HTML-escaped).
public struct FooterTemplate: Sendable {
    private let template: MustacheTemplate

    /// Parses a template's text. Throws swift-mustache's parser error (with line and column) on bad syntax.
    public init(text: String) throws {
        self.template = try MustacheTemplate(string: text)
    }

    /// Reads and parses `<templatesDirectory>/<language>/footer.txt.mustache` (the only file read of this stage).
    public init(templatesDirectory: URL, language: Language) throws {
        let url = templatesDirectory.appendingPathComponent(language.rawValue)
            .appendingPathComponent("footer.txt.mustache")
        try self.init(text: String(contentsOf: url, encoding: .utf8))
    }

    /// The footer for `list`: variables `list_name`, `list_address`, `request_address`, `archive_url`
    /// (absent when no base URL is configured).
    public func render(for list: ListIdentity) -> String {
        var context: [String: Any] = [
            "list_name": list.name,
            "list_address": list.address,
            "request_address": list.requestAddress,
        ]
        if let archive = list.archiveURL { context["archive_url"] = archive }
        return template.render(context)
    }
}
