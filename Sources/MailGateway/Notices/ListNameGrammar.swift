/// "of <list>" as French and Spanish write it before a list's name, for the templates (`deListName`,
/// `de_list_name`): French elides `de` before a vowel ("membre d'Interface Projets", not "de Interface") and
/// contracts it with a leading article ("du Groupe Sols", "des Amis"); Spanish contracts "de El" to "del".
/// English has no such rule: "of <list>". Pure.
///
/// A name starting with `h` keeps `de`: French elides before a mute `h` only, which spelling cannot tell.
public enum ListNameGrammar {
    /// "de X", "d'X", "du X", "des X" (French); "de X", "del X" (Spanish); "of X" (English).
    public static func of(_ name: String, in language: Language) -> String {
        let words = name.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        let first = words.first.map(String.init) ?? ""
        let rest = words.count > 1 ? String(words[1]) : nil
        switch language {
        case .en:
            return "of \(name)"
        case .es:
            if first == "El", let rest { return "del \(rest)" }
            return "de \(name)"
        case .fr:
            if first == "Le", let rest { return "du \(rest)" }
            if first == "Les", let rest { return "des \(rest)" }
            if let initial = name.first, elidingInitials.contains(Character(initial.lowercased())) {
                return "d'\(name)"
            }
            return "de \(name)"
        }
    }

    /// The first letters before which French writes `d'`.
    static let elidingInitials: Set<Character> = ["a", "à", "â", "e", "é", "è", "ê", "ë", "i", "î", "ï", "o", "ô",
                                                  "u", "ù", "û", "ü", "y", "æ", "œ"]
}
