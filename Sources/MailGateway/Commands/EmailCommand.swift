/// One command read from a `list+request@` mail (CM-2, CM-6): what the person asks, before any check of who
/// they are or what they may do.
public enum EmailCommand: Sendable, Equatable {
    /// `join [mode] [address=x@y]`: join the list, optionally in a delivery mode, optionally for another address
    /// (the confirmation then goes to that address, CM-5).
    case join(mode: DeliveryMode?, address: String?)
    /// `leave` / `unsubscribe` / `désabonner` / `darse de baja` ...
    case leave
    /// `set <mode>`, `set time HH:MM`, `set day <weekday>`, `set tz <IANA>`, or a bare mode word (`digest`,
    /// `nomail`) alone on its line.
    case set(MemberSetting)
    /// `lang fr`, `langue fr`, `idioma es`, `language en`, `set lang fr`.
    case language(Language)
    /// `help` / `aide` / `ayuda` / `info`.
    case help
    /// `lists` / `which` / `listes` / `listas`.
    case lists
    /// `who` / `qui` / `quién` / `members`: the list's roster, for those the list's `roster_visibility` allows
    /// (CM-7).
    case who
    /// `confirm <token>` / `confirmer` / `confirmar`.
    case confirm(token: String)
}

/// A member setting that `set` changes.
public enum MemberSetting: Sendable, Equatable {
    case mode(DeliveryMode)
    /// The local time of the digest (`HH:MM`, 24 h).
    case digestTime(hour: Int, minute: Int)
    /// The digest's weekday, ISO 8601 (1 = Monday ... 7 = Sunday).
    case digestDay(Int)
    /// An IANA time zone name Foundation knows (`Europe/Paris`).
    case timeZone(String)
    /// Whether the member receives their own posts (`set ownposts on|off`, `set copie oui|non`,
    /// `set copia si|no`).
    case ownPosts(Bool)
}

/// What ``CommandParser`` read from a command mail.
public struct CommandReading: Sendable, Equatable {
    /// The commands, in order, at most ``CommandParser/maxCommands``.
    public var commands: [EmailCommand]
    /// The language of the first keyword that belongs to one language only (CM-9, step 2); nil when every
    /// keyword was shared (`digest`, `fin`) or none was found.
    public var language: Language?
    /// Lines that were read but not understood, as written (cut to ``CommandParser/maxQuotedLineLength``), so
    /// that the reply can quote them.
    public var notUnderstood: [String]
    /// True when an `end` / `stop` / `merci` / `gracias` line stopped the reading.
    public var endedByKeyword: Bool

    public init(commands: [EmailCommand] = [], language: Language? = nil, notUnderstood: [String] = [],
                endedByKeyword: Bool = false) {
        self.commands = commands
        self.language = language
        self.notUnderstood = notUnderstood
        self.endedByKeyword = endedByKeyword
    }
}
