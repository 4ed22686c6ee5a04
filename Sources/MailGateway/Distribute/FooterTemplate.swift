public import Foundation
import Mustache

/// The footer added to every outgoing copy, rendered from `templates/<lang>/footer.txt.mustache`
/// (swift-mustache; the templates declare `{{% CONTENT_TYPE: TEXT}}` so nothing is HTML-escaped). The footer
/// is in the reader's language and says why they receive the copy, their delivery mode and how to leave,
/// switch or pause, by the list's subaddresses (CM-1, `ListAddresses`).
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

    /// The footer of `list` for an immediate reader in the list's own language.
    public func render(for list: ListIdentity) -> String {
        render(for: list, reader: FooterReader(language: list.language))
    }

    /// The footer of `list` for `reader`. Variables: `list_name` (in the reader's language), `de_list_name`
    /// ("d'Interface …", ``ListNameGrammar``), `list_address`,
    /// `leave_address`, `each_address`, `digest_address`, `nomail_address`, `help_address`, `owner_address`,
    /// `request_address` (subaddresses), `archive_url` (absent when no base URL is configured),
    /// `reply_goes_to_list` or `reply_all_needed` (how to answer everyone; neither on an announcement list), and one true
    /// flag for the reader's delivery: `delivery_each`, `delivery_digest` (any digest format), `delivery_nomail`
    /// or `delivery_notices`.
    public func render(for list: ListIdentity, reader: FooterReader) -> String {
        template.render(Self.values(for: list, reader: reader))
    }

    static func values(for list: ListIdentity, reader: FooterReader) -> [String: Any] {
        let addresses = list.addresses
        var context: [String: Any] = [
            "list_name": list.name(in: reader.language),
            "de_list_name": ListNameGrammar.of(list.name(in: reader.language), in: reader.language),
            "list_address": list.address,
            "leave_address": addresses.leave,
            "each_address": addresses.set("each"),
            "digest_address": addresses.set("digest"),
            "nomail_address": addresses.set("nomail"),
            "help_address": addresses.help,
            "owner_address": addresses.owner,
            "request_address": addresses.request,
        ]
        switch reader.delivery {
        case .immediate: context["delivery_each"] = true
        case .none: context["delivery_nomail"] = true
        case .notices: context["delivery_notices"] = true
        case .digest, .digestPlain, .digestMIME, .summary: context["delivery_digest"] = true
        }
        if let archive = list.archiveURL { context["archive_url"] = archive }
        // How to answer everyone: a plain Reply when the list sets Reply-To to itself, else "Reply all".
        if list.acceptsPosts { context[list.repliesToList ? "reply_goes_to_list" : "reply_all_needed"] = true }
        return context
    }
}
