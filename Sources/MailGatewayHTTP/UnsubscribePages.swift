import Foundation
public import MailGateway
import Mustache

/// The one-click unsubscribe page (`templates/<lang>/unsubscribe-page.html.mustache`): one template per language,
/// one section per state. Inline CSS only, no external resource, no script.
public struct UnsubscribePages: Sendable {
    /// What the page says.
    public enum State: String, Sendable, CaseIterable {
        /// The GET page: a button that POSTs.
        case confirm
        /// The member already receives nothing.
        case already
        /// After the POST.
        case done
        /// The token is valid but the address is no longer in the list.
        case notMember
        /// The token is not valid for this list.
        case invalid
    }

    private let templates: [Language: MustacheTemplate]

    /// A page template that is missing.
    public struct MissingTemplate: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "\(path): missing" }
    }

    /// Loads the page of every language.
    /// - Throws: `MissingTemplate`, or `TemplateFile.Problem` when a file does not parse.
    public init(templatesDirectory: String) throws {
        var templates: [Language: MustacheTemplate] = [:]
        for language in Language.allCases {
            let path = "\(templatesDirectory)/\(language.rawValue)/unsubscribe-page.html.mustache"
            guard let template = try TemplateFile.load(path) else {
                throw MissingTemplate(path: path)
            }
            templates[language] = template
        }
        self.templates = templates
    }

    /// The page in `language` for `list` (nil: a list this gateway does not serve, named by its id).
    /// - Parameters:
    ///   - action: the form's target, relative to the page (`unsubscribe?token=…`), for `confirm`.
    public func render(_ state: State, language: Language, list: ListConfig?, listID: String, address: String?,
                       action: String?) -> String {
        let addresses = list.map { ListIdentity(list: $0, webBaseURL: nil).addresses }
        let name = list.map { $0.name.value(for: language) } ?? listID
        var values: [String: Any] = [
            state.rawValue: true,
            "listName": name,
            // "de la liste" as French and Spanish write it ("d'Interface…", "du Groupe…"): ListNameGrammar.
            "deListName": ListNameGrammar.of(name, in: language),
        ]
        if let address { values["address"] = address }
        if let action { values["action"] = action }
        if let addresses {
            values["setAddress"] = addresses.set(DeliveryMode.immediate.rawValue)
            values["leaveAddress"] = addresses.leave
        }
        return templates[language]?.render(values) ?? ""
    }
}
