/// Every address of one list (CM-1): the posting address and its subaddresses, which the MTA delivers into the
/// list's one mailbox (`list+*@domain`). The gateway advertises the subaddresses; the older `-request`,
/// `-owner`, `-bounces` spellings are still understood when the MTA maps them to the same mailbox.
///
/// | address | what |
/// |---|---|
/// | `list@` | posts |
/// | `list+request@` | free-form commands (subject and first body lines) |
/// | `list+join@`, `list+join.<mode>@` | join (confirmation needed) |
/// | `list+leave@` | leave |
/// | `list+set.<mode>@` | delivery mode |
/// | `list+lang.<fr\|en\|es>@` | language |
/// | `list+help@` | help |
/// | `list+confirm.<token>@` | confirmations, moderators' replies |
/// | `list+owner@` | the list's moderators (and the From of every notice) |
/// | `list+get.<n>@` | a member asks for archived post `n` (DG-12) |
/// | `list+bounce.<token>@` | bounces (the envelope sender of list copies, issue 11) |
public struct ListAddresses: Sendable, Equatable {
    /// The local part of the posting address (`college-research`).
    public var localPart: String
    /// The domain of the posting address.
    public var domain: String
    /// The subaddress delimiter (`+`).
    public var delimiter: String

    /// The addresses of a list whose posting address is `address`.
    public init(address: String, delimiter: String = ListAddresses.defaultDelimiter) {
        let split = MailAddress.split(address)
        self.localPart = String(split.localPart)
        self.domain = String(split.domain ?? "")
        self.delimiter = delimiter
    }

    /// The default subaddress delimiter.
    public static let defaultDelimiter = "+"

    /// The posting address.
    public var post: String { "\(localPart)@\(domain)" }
    /// `list+<detail>@domain`.
    public func sub(_ detail: String) -> String { "\(localPart)\(delimiter)\(detail)@\(domain)" }
    /// Free-form commands.
    public var request: String { sub("request") }
    /// The moderators' address, and the From of notices.
    public var owner: String { sub("owner") }
    public var join: String { sub("join") }
    public var leave: String { sub("leave") }
    public var help: String { sub("help") }
    /// `list+set.<mode>@` for a delivery mode keyword (`each`, `digest`, `nomail`, ...).
    public func set(_ mode: String) -> String { sub("set.\(mode)") }
    /// `list+lang.<code>@`.
    public func lang(_ language: Language) -> String { sub("lang.\(language.rawValue)") }
    /// `list+confirm.<token>@`: a reply to a confirmation or to a moderation request.
    public func confirm(_ token: String) -> String { sub("confirm.\(token)") }
    /// The older spelling `list-<suffix>@` (`-request`, `-owner`, `-bounces`): understood, never advertised.
    public func legacy(_ suffix: String) -> String { "\(localPart)-\(suffix)@\(domain)" }
    /// `list+bounce.<token>@`.
    public func bounce(_ token: String) -> String { sub("bounce.\(token)") }
    /// `list+get.<n>@`: asks for the list's archived post `n` (a digest's "get" link, DG-12).
    public func get(_ messageRowID: Int64) -> String { sub("get.\(messageRowID)") }

    /// The addresses a template may name (notices, command replies, digests): `postAddress`, `joinAddress`,
    /// `leaveAddress`, `helpAddress`, `requestAddress`, `ownerAddress`, `digestAddress`, `eachAddress`,
    /// `nomailAddress` (`list+set.<mode>@`).
    public var templateValues: [String: String] {
        ["postAddress": post, "joinAddress": join, "leaveAddress": leave, "helpAddress": help,
         "requestAddress": request, "ownerAddress": owner, "digestAddress": set("digest"), "eachAddress": set("each"),
         "nomailAddress": set("nomail")]
    }
}
