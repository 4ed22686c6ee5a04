import Foundation

/// The keywords of email commands (CM-2) in French, English and Spanish, all always accepted, and how words are
/// compared: NFKC, then case and diacritics folded, typographic apostrophes made ASCII.
public enum CommandWords {
    /// A command's canonical name (CM-2's table).
    public enum Verb: String, Sendable, CaseIterable {
        case join, leave, set, lang, help, confirm, lists, who, end
    }

    /// One keyword: its words (folded) and the languages it belongs to.
    struct Keyword {
        var words: [String]
        var verb: Verb
        var languages: Set<Language>
    }

    /// `text` compared as CM-2 says: NFKC, lower case, no diacritics, `’`/`‘`/`ʼ` as `'`.
    ///
    /// Foundation's normalization and folding cost ~10 µs a line, and the posting chain folds the first
    /// twenty-odd lines of every post from a known sender (`AdministriviaRule`, through ``ReplyLines``) inside the
    /// ingest's database transaction: 60 % of that transaction's samples for accepted posts (perf, stop 22). So
    /// text made only of ASCII and of the scalars in ``scalarFolds`` (the Latin letters, general punctuation, €)
    /// is folded scalar by scalar; anything else (a combining mark, another script) goes through Foundation.
    public static func fold(_ text: String) -> String {
        var ascii = true
        var upper = false
        for byte in text.utf8 {
            if byte >= 0x80 { ascii = false; break }
            if byte >= 65 && byte <= 90 { upper = true }
        }
        if ascii {
            // NFKC leaves ASCII as it is and it has no diacritics: the fold is its lower case.
            guard upper else { return text }
            return String(decoding: text.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
        }
        var folded = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                folded.append(value >= 65 && value <= 90 ? Unicode.Scalar(UInt8(value + 32)) : scalar)
            } else if let fold = scalarFolds[value] {
                folded.append(contentsOf: fold.unicodeScalars)
            } else {
                return foldUnicode(text)
            }
        }
        return String(folded)
    }

    /// The fold of each scalar of Latin-1, Latin Extended-A and -B, General Punctuation (but its format
    /// characters), `ʼ` and `€`, computed once through Foundation. Within a line of ASCII and these scalars only,
    /// each folds as it does alone: none of them attaches to the character before it (no combining mark is in the
    /// table: a line holding one goes through Foundation whole, since a letter such as `Å` composes with a
    /// following mark), and NFKC composes no pair of them (checked for every ordered pair in the stop 22 review).
    /// The tests compare both paths on random lines and on each scalar between chosen neighbours.
    static let scalarFolds: [UInt32: String] = {
        var table: [UInt32: String] = [:]
        // General Punctuation without its format characters (zero-width joiners, bidi controls, the line and
        // paragraph separators, invisible operators), which Foundation drops or keeps depending on what precedes.
        let punctuation = Array(0x2000...0x200A) + Array(0x2010...0x2027) + Array(0x202F...0x205F)
        for value in Array(0x80...0x24F) + punctuation + [0x02BC, 0x20AC] {
            guard let scalar = Unicode.Scalar(value) else { continue }
            table[UInt32(value)] = foldUnicode(String(String.UnicodeScalarView([scalar])))
        }
        return table
    }()

    /// ``fold(_:)`` through Foundation, for any text (the scalar paths must give the same result: tested).
    static func foldUnicode(_ text: String) -> String {
        let nfkc = text.precomposedStringWithCompatibilityMapping
        let folded = nfkc.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        guard folded.contains(where: { $0 == "\u{2019}" || $0 == "\u{2018}" || $0 == "\u{02BC}" }) else { return folded }
        return String(folded.map { $0 == "\u{2019}" || $0 == "\u{2018}" || $0 == "\u{02BC}" ? "'" : $0 })
    }

    /// The folded words of a line: split at white space; surrounding punctuation (`,.;:!?()"«»¿¡`) removed; empty
    /// words dropped. `address=x@y` and `HH:MM` keep their inner punctuation.
    public static func words(_ line: String) -> [String] {
        let edge: Set<Character> = [",", ".", ";", ":", "!", "?", "(", ")", "\"", "«", "»", "¿", "¡", "*", "[", "]", "-"]
        return fold(line).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\u{00A0}" }).compactMap { word in
            var w = word.drop { edge.contains($0) }
            while let last = w.last, edge.contains(last) { w = w.dropLast() }
            return w.isEmpty ? nil : String(w)
        }
    }

    /// The keyword that `words` starts with (the longest, so "se desabonner" wins over a shorter match), with
    /// the number of words it took.
    static func keyword(at words: ArraySlice<String>) -> (keyword: Keyword, length: Int)? {
        var best: (Keyword, Int)?
        for keyword in keywords where keyword.words.count <= words.count && (best?.1 ?? 0) < keyword.words.count {
            if zip(keyword.words, words).allSatisfy({ $0 == $1 }) { best = (keyword, keyword.words.count) }
        }
        return best.map { (keyword: $0.0, length: $0.1) }
    }

    /// The keyword a line's words hold, and the words after it. The keyword starts the line, or follows polite
    /// and filler words ("please unsubscribe me", "je veux me désabonner", "quiero darme de baja"). An `end`
    /// word counts only when nothing but filler follows it: "Merci" ends the reading, "Merci de me désabonner" is
    /// a `leave`.
    static func command(in words: [String]) -> (keyword: Keyword, arguments: ArraySlice<String>)? {
        if let (keyword, length) = keyword(at: words[...]),
           keyword.verb != .end || words.dropFirst(length).allSatisfy({ fillers.contains($0) }) {
            return (keyword, words.dropFirst(length))
        }
        let rest = words.drop { fillers.contains($0) }
        // Only polite words ("Muchas gracias", "Thank you very much"): an end if one of them is an end word.
        if rest.isEmpty {
            for i in words.indices {
                if let (keyword, length) = keyword(at: words[i...]), keyword.verb == .end {
                    return (keyword, words[(i + length)...])
                }
            }
            return nil
        }
        guard rest.count < words.count, let (keyword, length) = keyword(at: rest), keyword.verb != .end else { return nil }
        return (keyword, rest.dropFirst(length))
    }

    /// Polite and filler words (folded) that may surround a command: "please", "s'il vous plaît", "por favor",
    /// "I want to", "je veux", "me", "this list"...
    public static let fillers: Set<String> = [
        "please", "pls", "plz", "kindly", "me", "i", "want", "to", "would", "like", "from", "this", "the", "list",
        "mailing", "thanks", "thank", "you", "much", "can", "could",
        "svp", "stp", "s'il", "vous", "plait", "te", "je", "veux", "voudrais", "moi", "de", "la", "cette", "liste",
        "merci", "bonjour", "beaucoup", "pouvez-vous", "pourriez-vous",
        "por", "favor", "quiero", "deseo", "esta", "lista", "gracias", "hola", "yo", "muchas", "mucho", "puede",
        "podria",
    ]

    /// CM-2's table, plus `lang`/`langue`/`idioma`/`language` and the Spanish "darme de baja".
    static let keywords: [Keyword] = {
        var list: [Keyword] = []
        func add(_ verb: Verb, _ language: Language, _ phrases: [String]) {
            for phrase in phrases {
                let words = phrase.split(separator: " ").map(String.init)
                if let i = list.firstIndex(where: { $0.words == words }) {
                    list[i].languages.insert(language)
                } else {
                    list.append(Keyword(words: words, verb: verb, languages: [language]))
                }
            }
        }
        add(.join, .en, ["join", "subscribe", "sub"])
        add(.join, .fr, ["abonner", "s'abonner", "inscrire", "s'inscrire", "m'abonner", "m'inscrire"])
        add(.join, .es, ["suscribir", "suscribirse", "suscribirme", "alta", "darse de alta", "darme de alta"])
        add(.leave, .en, ["leave", "unsubscribe", "unsub", "signoff"])
        add(.leave, .fr, ["desabonner", "se desabonner", "me desabonner", "desinscrire", "se desinscrire",
                          "me desinscrire", "desabonnement", "desinscription"])
        add(.leave, .es, ["baja", "darse de baja", "darme de baja", "desuscribir", "desuscribirme",
                          "cancelar suscripcion", "cancelar mi suscripcion"])
        add(.set, .en, ["set"])
        add(.set, .fr, ["regler", "mode"])
        add(.set, .es, ["configurar", "modo"])
        add(.lang, .en, ["lang", "language"])
        add(.lang, .fr, ["langue"])
        add(.lang, .es, ["idioma", "lengua"])
        add(.help, .en, ["help", "info"])
        add(.help, .fr, ["aide"])
        add(.help, .es, ["ayuda"])
        add(.confirm, .en, ["confirm"])
        add(.confirm, .fr, ["confirmer"])
        add(.confirm, .es, ["confirmar"])
        add(.lists, .en, ["lists", "which", "status"])
        add(.lists, .fr, ["listes"])
        add(.lists, .es, ["listas"])
        add(.who, .en, ["who", "members", "roster"])
        add(.who, .fr, ["qui", "membres"])
        add(.who, .es, ["quien", "miembros"])
        add(.end, .en, ["end", "stop", "quit", "thanks", "thank you"])
        add(.end, .fr, ["fin", "merci"])
        add(.end, .es, ["fin", "gracias"])
        return list
    }()

    /// The delivery mode a (folded) word names, in any of the three languages: `each`/`immediate`/`normal`/
    /// `chaque`/`cada`, `digest`, `digest-plain`/`plain`, `digest-mime`/`mime`, `summary`/`resume`/`resumen`,
    /// `notices`/`annonces`/`avisos`, `nomail`/`none`/`pause`/`aucun`/`ninguno`.
    public static func deliveryMode(_ word: String) -> DeliveryMode? {
        switch fold(word) {
        case "each", "immediate", "normal", "chaque", "cada": .immediate
        case "digest": .digest
        case "digest-plain", "plain": .digestPlain
        case "digest-mime", "mime": .digestMIME
        case "summary", "resume", "resumen": .summary
        case "notices", "annonces", "avisos": .notices
        case "nomail", "none", "pause", "aucun", "ninguno": DeliveryMode.none
        default: nil
        }
    }

    /// The language a (folded) word names: a code (`fr`, `en`, `es`) or the language's name in any of the three.
    public static func language(_ word: String) -> Language? {
        switch fold(word) {
        case "fr", "francais", "french", "frances": .fr
        case "en", "english", "anglais", "ingles": .en
        case "es", "espanol", "spanish", "espagnol", "castellano": .es
        default: nil
        }
    }

    /// The ISO 8601 weekday (1 = Monday ... 7 = Sunday) a word names in any of the three languages, full or
    /// abbreviated (`mon`, `lun`).
    public static func weekday(_ word: String) -> Int? {
        let days: [[String]] = [
            ["monday", "mon", "lundi", "lun", "lunes"], ["tuesday", "tue", "mardi", "mar", "martes"],
            ["wednesday", "wed", "mercredi", "mer", "miercoles", "mie"], ["thursday", "thu", "jeudi", "jeu", "jueves", "jue"],
            ["friday", "fri", "vendredi", "ven", "viernes", "vie"], ["saturday", "sat", "samedi", "sam", "sabado", "sab"],
            ["sunday", "sun", "dimanche", "dim", "domingo", "dom"],
        ]
        let w = fold(word)
        return days.firstIndex { $0.contains(w) }.map { $0 + 1 }
    }

    /// On or off, in any of the three languages (`on`/`yes`/`oui`/`si`, `off`/`no`/`non`).
    public static func onOff(_ word: String) -> Bool? {
        switch fold(word) {
        case "on", "yes", "oui", "si", "true": true
        case "off", "no", "non", "false": false
        default: nil
        }
    }
}
