extension EmailCommand {
    /// The command an address implies (CM-1): `list+join[.<mode>]@`, `list+leave@`, `list+set.<mode>@`,
    /// `list+lang.<code>@`, `list+help@`. Nil for the routes that are not one command (post, request, confirm,
    /// owner, bounce, unknown) and for a mode or language word that is not one (`list+set.weekly@`): the caller
    /// answers with help. Mode and language words are read as in mail (`each`, `nomail`, `digest-plain`, `fr`).
    public init?(route: InboundRoute) {
        switch route {
        case .join(let word):
            guard let word else { self = .join(mode: nil, address: nil); return }
            guard let mode = CommandWords.deliveryMode(word) else { return nil }
            self = .join(mode: mode, address: nil)
        case .leave: self = .leave
        case .help: self = .help
        case .set(let word):
            guard let mode = CommandWords.deliveryMode(word) else { return nil }
            self = .set(.mode(mode))
        case .lang(let code):
            guard let language = CommandWords.language(code) else { return nil }
            self = .language(language)
        case .post, .request, .confirm, .owner, .bounce, .get, .unknown:
            return nil
        }
    }
}
