import Foundation

/// Reads the commands of a `list+request@` mail (CM-2, CM-6). Pure: no check of who asks or what they may do.
///
/// Each line (``CommandText``) is one command: a keyword of ``CommandWords`` (any of the three languages,
/// compared without case or accents) then its arguments. A delivery-mode word alone on its line (`digest`,
/// `nomail`, `pause`) is `set <mode>`. `end`, `stop`, `merci`, `gracias` stop the reading. Polite words before
/// the keyword are skipped ("please unsubscribe me", ``CommandWords/fillers``); words after a complete
/// `join`/`leave`/`help`/`lists` are ignored; `set`, `lang` and `confirm` need a valid argument, else their line
/// is not understood.
public enum CommandParser {
    /// Commands read at most from one mail.
    public static let maxCommands = 10
    /// A line quoted back in ``CommandReading/notUnderstood`` is cut to this many characters.
    public static let maxQuotedLineLength = 200
    /// Longest confirmation token accepted (ours are 26 characters of base32).
    static let maxTokenLength = 64

    /// The commands of a message: its subject, then its first body lines.
    public static func parse(_ message: ParsedMessage) -> CommandReading {
        let hasSubject = !CommandText.subjectLine(message.subject).isEmpty
        return parse(lines: CommandText.lines(of: message), firstLineIsSubject: hasSubject)
    }

    /// The commands of already extracted lines. When `firstLineIsSubject`, a subject that is not a command (say
    /// "Re: question") is not reported as not understood if the body holds commands.
    public static func parse(lines: [String], firstLineIsSubject: Bool = false) -> CommandReading {
        var reading = CommandReading()
        for line in lines {
            let words = CommandWords.words(line)
            guard !words.isEmpty else { continue }
            guard let (keyword, arguments) = CommandWords.command(in: words) else {
                if words.count == 1, let mode = CommandWords.deliveryMode(words[0]) {
                    reading.commands.append(.set(.mode(mode)))
                } else {
                    reading.notUnderstood.append(String(line.prefix(maxQuotedLineLength)))
                }
                if reading.commands.count >= maxCommands { break }
                continue
            }
            if reading.language == nil, keyword.languages.count == 1 { reading.language = keyword.languages.first }
            let args = Array(arguments)
            if keyword.verb == .end {
                reading.endedByKeyword = true
                break
            }
            if let command = command(keyword.verb, args: args, line: line) {
                reading.commands.append(command)
            } else {
                reading.notUnderstood.append(String(line.prefix(maxQuotedLineLength)))
            }
            if reading.commands.count >= maxCommands { break }
        }
        // The subject line often just repeats what the body says or is free text: drop it from the complaints
        // when something was understood.
        if firstLineIsSubject, !reading.commands.isEmpty, let first = lines.first,
           reading.notUnderstood.first == String(first.prefix(maxQuotedLineLength)) {
            reading.notUnderstood.removeFirst()
        }
        return reading
    }

    private static func command(_ verb: CommandWords.Verb, args: [String], line: String) -> EmailCommand? {
        switch verb {
        case .join:
            var mode: DeliveryMode?
            var address: String?
            for arg in args.prefix(4) {
                if arg.hasPrefix("address="), let a = joinAddress(line) {
                    address = a
                } else if arg.hasPrefix("digest=") {
                    switch arg.dropFirst("digest=".count) {
                    case "mime": mode = .digestMIME
                    case "plain": mode = .digestPlain
                    case "no": mode = .immediate
                    default: break
                    }
                } else if mode == nil, let m = CommandWords.deliveryMode(arg) {
                    mode = m
                }
            }
            return .join(mode: mode, address: address)
        case .leave: return .leave
        case .help: return .help
        case .lists: return .lists
        // Alone on its line: "Qui peut m'aider ?" in a subject is a question, not a roster request.
        case .who: return args.isEmpty ? .who : nil
        case .lang:
            return args.first.flatMap(CommandWords.language).map { .language($0) }
        case .confirm:
            guard let token = args.first, token.count <= maxTokenLength,
                  token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            else { return nil }
            return .confirm(token: token)
        case .set: return setting(args)
        case .end: return nil
        }
    }

    /// `address=` keeps the address as written on the line (case preserved), when it is one mailbox.
    private static func joinAddress(_ line: String) -> String? {
        guard let range = line.range(of: "address=", options: .caseInsensitive) else { return nil }
        let raw = line[range.upperBound...].prefix { !$0.isWhitespace && $0 != ">" && $0 != "," && $0 != ";" }
        let address = raw.hasPrefix("<") ? String(raw.dropFirst()) : String(raw)
        let split = MailAddress.split(address)
        guard !split.localPart.isEmpty, split.domain?.contains(".") == true, address.count <= 254 else { return nil }
        return address
    }

    private static func setting(_ args: [String]) -> EmailCommand? {
        guard let first = args.first else { return nil }
        if args.count == 1, let mode = CommandWords.deliveryMode(first) { return .set(.mode(mode)) }
        guard args.count >= 2 else { return nil }
        let value = args[1]
        switch first {
        case "lang", "language", "langue", "idioma":
            return CommandWords.language(value).map { .language($0) }
        case "time", "heure", "hora":
            return time(value).map { .set(.digestTime(hour: $0.hour, minute: $0.minute)) }
        case "day", "jour", "dia":
            return CommandWords.weekday(value).map { .set(.digestDay($0)) }
        case "tz", "timezone", "fuseau", "zona":
            return timeZone(value).map { .set(.timeZone($0)) }
        case "mode", "modo", "delivery":
            return CommandWords.deliveryMode(value).map { .set(.mode($0)) }
        case "ownposts", "metoo", "copie", "copia":
            return CommandWords.onOff(value).map { .set(.ownPosts($0)) }
        default:
            return nil
        }
    }

    /// `HH:MM`, `H:MM`, `8h`, `08h30`, `8h30` as hour and minute.
    static func time(_ word: String) -> (hour: Int, minute: Int)? {
        guard word.count <= 5 else { return nil }
        let parts = word.split(separator: word.contains(":") ? ":" : "h", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2 || parts[1].isEmpty,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        let hh = parts[0].count == 1 ? "0" + String(parts[0]) : String(parts[0])
        return DigestSettings.parseTime(hh + ":" + (parts[1].isEmpty ? "00" : String(parts[1])))
    }

    /// An IANA zone name Foundation knows, in its canonical spelling (`europe/paris` → `Europe/Paris`).
    static func timeZone(_ folded: String) -> String? {
        guard folded.count <= 64 else { return nil }
        if let exact = TimeZone.knownTimeZoneIdentifiers.first(where: { $0.lowercased() == folded }) { return exact }
        return ["utc", "gmt"].contains(folded) ? folded.uppercased() : nil
    }
}
