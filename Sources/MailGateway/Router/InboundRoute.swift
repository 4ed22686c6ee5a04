/// What an inbound message of a list's mailbox is, from the address it was delivered to (CM-1): the router
/// classifies every message into one of these before anything else, and each kind has its own handler.
public enum InboundRoute: Sendable, Equatable {
    /// To the posting address (or no list address found: Bcc, an alias): the posting policy decides.
    case post
    /// `list+request@` (or `list-request@`): free-form commands in the subject and first body lines.
    case request
    /// `list+join@`, `list+join.<mode>@` (`list-join@`): join, with the delivery mode keyword if given.
    case join(mode: String?)
    /// `list+leave@` (`list-leave@`, `list-unsubscribe@`).
    case leave
    /// `list+set.<mode>@`: the delivery mode keyword as written (`each`, `digest`, `nomail`, ...).
    case set(mode: String)
    /// `list+lang.<code>@`: the language code as written (`fr`, `en`, `es`; anything else is answered).
    case lang(code: String)
    /// `list+help@`.
    case help
    /// `list+confirm.<token>@` (`list-confirm+<token>@`): a confirmation or a moderator's reply.
    case confirm(token: String)
    /// `list+owner@` (`list-owner@`): mail for the list's moderators.
    case owner
    /// `list+bounce.<token>@` (`list-bounces@`, `list-bounces+<anything>@`): a delivery status report.
    case bounce(token: String?)
    /// `list+get.<n>@`: a member asks for archived post `n` of the list (DG-12, a digest's "get" link).
    case get(key: String)
    /// `list+<something else>@`: an unknown subaddress (answered with help, never posted).
    case unknown(detail: String)

    /// True for the routes whose handling changes nothing before a token confirms it, or that people read
    /// (commands, confirmations, owner mail): an unauthenticated sender may use them (``SenderChecks``). A get
    /// sends mail at once, so it needs the aligned pass where a trusted authserv-id is configured.
    public var confirmsBeforeActing: Bool {
        switch self {
        case .post, .bounce, .get: false
        case .request, .join, .leave, .set, .lang, .help, .confirm, .owner, .unknown: true
        }
    }

    /// A short name for logs and the archive's decision rule (`route:<name>`).
    public var name: String {
        switch self {
        case .post: "post"
        case .request: "request"
        case .join: "join"
        case .leave: "leave"
        case .set: "set"
        case .lang: "lang"
        case .help: "help"
        case .confirm: "confirm"
        case .owner: "owner"
        case .bounce: "bounce"
        case .get: "get"
        case .unknown: "unknown"
        }
    }
}
