import Foundation
import Testing
@testable import MailGateway

@Suite("Email commands: the grammar (CM-2, CM-6)")
struct CommandParserTests {
    static func read(_ lines: String...) -> CommandReading {
        CommandParser.parse(lines: lines)
    }

    // One case per cell of CM-2's table, with and without accents and in mixed case.
    @Test(arguments: [
        ("join", EmailCommand.join(mode: nil, address: nil), Language?.some(.en)), ("Subscribe", .join(mode: nil, address: nil), .en),
        ("SUB", .join(mode: nil, address: nil), .en),
        ("abonner", .join(mode: nil, address: nil), .fr), ("s'abonner", .join(mode: nil, address: nil), .fr),
        ("S’abonner", .join(mode: nil, address: nil), .fr), ("inscrire", .join(mode: nil, address: nil), .fr),
        ("s'inscrire", .join(mode: nil, address: nil), .fr),
        ("suscribir", .join(mode: nil, address: nil), .es), ("Suscribirse", .join(mode: nil, address: nil), .es),
        ("alta", .join(mode: nil, address: nil), .es),
        ("leave", .leave, .en), ("Unsubscribe", .leave, .en), ("unsub", .leave, .en), ("signoff", .leave, .en),
        ("désabonner", .leave, .fr), ("desabonner", .leave, .fr), ("Se désabonner", .leave, .fr),
        ("se desabonner", .leave, .fr), ("désinscrire", .leave, .fr), ("se désinscrire", .leave, .fr),
        ("DÉSABONNEMENT", .leave, .fr),
        ("baja", .leave, .es), ("darse de baja", .leave, .es), ("Darme de baja", .leave, .es),
        ("desuscribir", .leave, .es), ("cancelar suscripción", .leave, .es), ("cancelar suscripcion", .leave, .es),
        ("set digest", .set(.mode(.digest)), .en), ("régler nomail", .set(.mode(.none)), .fr),
        ("regler each", .set(.mode(.immediate)), .fr), ("mode résumé", .set(.mode(.summary)), .fr),
        ("configurar cada", .set(.mode(.immediate)), .es), ("modo ninguno", .set(.mode(.none)), .es),
        ("help", .help, .en), ("INFO", .help, .en), ("aide", .help, .fr), ("Ayuda", .help, .es),
        ("confirm abcdefghijklmnopqrstuvwxyz", .confirm(token: "abcdefghijklmnopqrstuvwxyz"), .en),
        ("Confirmer abc234", .confirm(token: "abc234"), .fr), ("confirmar abc234", .confirm(token: "abc234"), .es),
        ("lists", .lists, .en), ("which", .lists, .en), ("listes", .lists, .fr), ("listas", .lists, .es),
        ("who", .who, .en), ("members", .who, .en), ("qui", .who, .fr), ("Membres", .who, .fr), ("¿Quién?", .who, .es),
        ("miembros", .who, .es),
        ("lang fr", .language(.fr), .en), ("language es", .language(.es), .en), ("langue en", .language(.en), .fr),
        ("Idioma ES", .language(.es), .es), ("set lang fr", .language(.fr), .en), ("langue français", .language(.fr), .fr),
    ] as [(String, EmailCommand, Language?)])
    func oneCommandPerKeyword(line: String, command: EmailCommand, language: Language?) {
        let r = Self.read(line)
        #expect(r.commands == [command], "\(line)")
        #expect(r.language == language, "\(line)")
        #expect(r.notUnderstood.isEmpty, "\(line)")
    }

    @Test(arguments: [
        ("end", Language?.some(.en)), ("STOP", .en), ("quit", .en), ("thanks", .en), ("merci", .fr),
        ("Gracias", .es), ("fin", nil),
    ] as [(String, Language?)])
    func endStopsTheReading(word: String, language: Language?) {
        let r = Self.read("help", word, "leave")
        #expect(r.commands == [.help])
        #expect(r.endedByKeyword)
        #expect(r.notUnderstood.isEmpty)
    }

    @Test(arguments: [
        ("each", DeliveryMode.immediate), ("immediate", .immediate), ("chaque", .immediate), ("cada", .immediate),
        ("digest", .digest), ("digest-plain", .digestPlain), ("plain", .digestPlain), ("digest-mime", .digestMIME),
        ("MIME", .digestMIME), ("summary", .summary), ("résumé", .summary), ("resumen", .summary),
        ("notices", .notices), ("nomail", .none), ("none", .none), ("pause", .none), ("aucun", .none),
        ("ninguno", .none),
    ] as [(String, DeliveryMode)])
    func deliveryModeWords(word: String, mode: DeliveryMode) {
        #expect(Self.read("set \(word)").commands == [.set(.mode(mode))])
        #expect(Self.read(word).commands == [.set(.mode(mode))], "a mode word alone on its line")
        #expect(Self.read("join \(word)").commands == [.join(mode: mode, address: nil)])
    }

    @Test(arguments: [
        ("Please unsubscribe me", EmailCommand.leave), ("Merci de me désabonner", .leave),
        ("Je voudrais me désabonner de cette liste", .leave), ("Quiero darme de baja, gracias", .leave),
        ("I would like to join digest", .join(mode: .digest, address: nil)), ("Hola, ayuda por favor", .help),
    ] as [(String, EmailCommand)])
    func politeWordsBeforeTheKeyword(line: String, command: EmailCommand) {
        let r = Self.read(line, "help")
        #expect(r.commands == [command, .help], "\(line)")
        #expect(!r.endedByKeyword)
    }

    @Test(arguments: ["Merci", "Merci beaucoup", "Thank you", "Muchas gracias", "thanks!"])
    func politeEndings(line: String) {
        let r = Self.read("leave", line, "help")
        #expect(r.commands == [.leave] && r.endedByKeyword, "\(line)")
    }

    @Test func aModeWordStartingASentenceIsNotACommand() {
        let r = Self.read("Aucun problème pour moi")
        #expect(r.commands.isEmpty)
        #expect(r.notUnderstood == ["Aucun problème pour moi"])
    }

    @Test func joinArguments() {
        #expect(Self.read("join digest address=Anne.Martin@Cirad.fr").commands
                == [.join(mode: .digest, address: "Anne.Martin@Cirad.fr")])
        #expect(Self.read("subscribe digest=mime").commands == [.join(mode: .digestMIME, address: nil)])
        #expect(Self.read("subscribe address=not-an-address").commands == [.join(mode: nil, address: nil)])
        #expect(Self.read("Unsubscribe me please").commands == [.leave], "extra words after leave are ignored")
    }

    @Test func setTimeDayAndZone() {
        #expect(Self.read("set time 07:30").commands == [.set(.digestTime(hour: 7, minute: 30))])
        #expect(Self.read("set time 7:05").commands == [.set(.digestTime(hour: 7, minute: 5))])
        #expect(Self.read("régler heure 8h").commands == [.set(.digestTime(hour: 8, minute: 0))])
        #expect(Self.read("set time 8h45").commands == [.set(.digestTime(hour: 8, minute: 45))])
        #expect(Self.read("set time 25:00").commands.isEmpty)
        #expect(Self.read("set day monday").commands == [.set(.digestDay(1))])
        #expect(Self.read("régler jour vendredi").commands == [.set(.digestDay(5))])
        #expect(Self.read("configurar dia miércoles").commands == [.set(.digestDay(3))])
        #expect(Self.read("set day Domingo").commands == [.set(.digestDay(7))])
        #expect(Self.read("set tz Europe/Paris").commands == [.set(.timeZone("Europe/Paris"))])
        #expect(Self.read("set tz america/bogota").commands == [.set(.timeZone("America/Bogota"))])
        let bad = Self.read("set tz Mars/Olympus", "set day someday", "set", "lang de", "confirm", "confirm a/b")
        #expect(bad.commands.isEmpty)
        #expect(bad.notUnderstood.count == 6)
    }

    @Test func languageIsTheFirstSingleLanguageKeyword() {
        #expect(Self.read("digest", "fin").language == nil)
        #expect(Self.read("digest", "désabonner", "help").language == .fr)
        #expect(Self.read("bonjour", "darse de baja").language == .es)
    }

    @Test func atMostTenCommandsAndLongLinesAreBounded() {
        let r = CommandParser.parse(lines: Array(repeating: "help", count: 30))
        #expect(r.commands.count == CommandParser.maxCommands)
        let long = String(repeating: "x", count: 5_000)
        let q = Self.read(long)
        #expect(q.notUnderstood.first?.count == CommandParser.maxQuotedLineLength)
    }

    @Test func aFreeTextSubjectIsNotAComplaintWhenTheBodyHoldsCommands() {
        let message = ParsedMessage(messageID: "m@x", subject: "Re: Question about the list",
                                    text: "leave\nI moved to another institute\n")
        let r = CommandParser.parse(message)
        #expect(r.commands == [.leave])
        #expect(r.notUnderstood == ["I moved to another institute"])
        let only = CommandParser.parse(ParsedMessage(messageID: "m@x", subject: "Hello", text: "Hi there"))
        #expect(only.commands.isEmpty && only.notUnderstood == ["Hello", "Hi there"])
    }
}
