import Foundation

/// The slice of a list's configuration that outgoing copies need (STYLE.md §9: each component gets only
/// its own slice).
public struct ListIdentity: Sendable, Equatable {
    /// Stable identifier (`college-research`); the RFC 2919 list-id is `<id>.<address domain>`.
    public var id: String
    /// The list's name in its own language (List-Id phrase, rewritten From).
    public var name: String
    /// The list's name in each language (a reader's footer), when known; `name` otherwise.
    public var names: LocalizedName?
    /// The posting address.
    public var address: String
    /// The list's language (footer).
    public var language: Language
    /// Subject tag such as `[Recherche]`, added once; nil for none.
    public var subjectPrefix: String?
    public var fromRewrite: FromRewrite
    /// Base URL of the web archive and preferences pages (List-Archive, https List-Unsubscribe), no trailing slash.
    public var webBaseURL: String?
    /// False for an announcement list: copies say `List-Post: NO` (RFC 2369 §3.4) instead of a mailto.
    public var acceptsPosts: Bool
    /// When set, every copy's `Reply-To:` is this address (an announcement list: the secretariat), replacing the
    /// author's.
    public var replyTo: String?
    /// `reply_to: list`: copies carry `Reply-To:` the list address, and the footer says Reply answers everyone.
    public var repliesToList: Bool = false

    public init(id: String, name: String, address: String, language: Language, subjectPrefix: String?,
                fromRewrite: FromRewrite, webBaseURL: String?, acceptsPosts: Bool = true, replyTo: String? = nil,
                names: LocalizedName? = nil) {
        self.id = id
        self.name = name
        self.names = names
        self.address = address
        self.language = language
        self.subjectPrefix = subjectPrefix
        self.fromRewrite = fromRewrite
        self.webBaseURL = webBaseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.acceptsPosts = acceptsPosts
        self.replyTo = replyTo
    }

    /// The identity of `list` as configured, its name in its own language. An announcement list (kind
    /// `announce`) takes no replies: `List-Post: NO`, and `Reply-To:` the secretariat (`secretariat`, when given).
    public init(list: ListConfig, webBaseURL: String?, secretariat: String? = nil) {
        let announce = list.kind == .announce
        self.init(id: list.id, name: list.name.value(for: list.language), address: list.address,
                  language: list.language, subjectPrefix: list.subjectPrefix, fromRewrite: list.fromRewrite,
                  webBaseURL: webBaseURL, acceptsPosts: !announce, replyTo: announce ? secretariat : nil,
                  names: list.name)
        self.repliesToList = !announce && list.replyTo == .list
    }

    /// The list's name in `language` (a reader's footer): `names` in that language, else `name`.
    public func name(in language: Language) -> String { names?.value(for: language) ?? name }

    /// Every address of the list (CM-1). What list mail advertises (List-* fields, footers, digests) is one of
    /// these subaddresses.
    public var addresses: ListAddresses { ListAddresses(address: address) }

    /// The part of the address after `@`.
    public var domain: String { String(MailAddress.split(address).domain ?? Substring(address)) }

    /// The part of the address before `@`.
    public var localPart: String { String(MailAddress.split(address).localPart) }

    /// The RFC 2919 list identifier, without angle brackets: `college-research.lists.example.org`.
    public var listID: String { "\(id).\(domain)" }


    /// The web archive of the list, when a base URL is configured.
    public var archiveURL: String? { webBaseURL.map { "\($0)/lists/\(id)" } }
}
