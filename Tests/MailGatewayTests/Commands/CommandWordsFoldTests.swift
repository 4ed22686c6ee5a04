import Foundation
import Testing
@testable import MailGateway

/// `CommandWords.fold` takes a byte path for ASCII text; it must give what Foundation's NFKC and folding give.
@Suite("Email commands: the fold (CM-2)")
struct CommandWordsFoldTests {
    @Test("every ASCII character, alone and in a line: the byte path equals Foundation's fold")
    func asciiPathEqualsFoundation() {
        for byte in UInt8(0)..<0x80 {
            let text = String(decoding: [byte], as: UTF8.self)
            #expect(CommandWords.fold(text) == CommandWords.foldUnicode(text), "byte \(byte)")
        }
        let all = String(decoding: Array(UInt8(0)..<0x80), as: UTF8.self)
        #expect(CommandWords.fold(all) == CommandWords.foldUnicode(all))
        for line in ["On Mon, 1 Dec 2026, Marie DUPONT <marie@x.example> wrote:", "UNSUBSCRIBE", "Sent from my iPhone",
                     "-----Original Message-----", "From: A\tB", "\r\n", "", "set digest ON please"] {
            #expect(CommandWords.fold(line) == CommandWords.foldUnicode(line), "\(line)")
        }
    }

    @Test("random ASCII lines (seeded): the byte path equals Foundation's fold")
    func randomAscii() {
        var generator = SplitMix64(seed: 22)
        for _ in 0..<2_000 {
            let length = Int(generator.next() % 80)
            let bytes = (0..<length).map { _ in UInt8(generator.next() % 0x80) }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(CommandWords.fold(text) == CommandWords.foldUnicode(text), "\(bytes)")
        }
    }

    @Test("random lines of ASCII and the table's scalars (seeded): the scalar path equals Foundation's fold")
    func randomLatinAndPunctuation() {
        var generator = SplitMix64(seed: 2222)
        let table = CommandWords.scalarFolds.keys.sorted()
        #expect(table.count > 500)
        for _ in 0..<10_000 {
            let length = Int(generator.next() % 60)
            var scalars = String.UnicodeScalarView()
            for _ in 0..<length {
                let value = generator.next() % 3 == 0 ? table[Int(generator.next() % UInt64(table.count))]
                                                       : UInt32(generator.next() % 0x80)
                scalars.append(Unicode.Scalar(value)!)
            }
            let text = String(scalars)
            #expect(CommandWords.fold(text) == CommandWords.foldUnicode(text), "\(text.unicodeScalars.map(\.value))")
        }
        for line in ["Réponse automatique : absent", "Envoyé de mon iPhone", "ÆSTHÉTIQUE ß İstanbul ŉ", "Voilà… – “ok” €5",
                     "Le 3 déc. 2026 à 10:00, Émilie a écrit :", "El mié., 3 dic 2026, Íñigo escribió:"] {
            #expect(CommandWords.fold(line) == CommandWords.foldUnicode(line), "\(line)")
        }
    }

    @Test("each table scalar between chosen neighbours (ASCII, accented letters, apostrophes, spaces, itself)")
    func everyScalarInContext() {
        let neighbours: [Unicode.Scalar] = ["a", "Z", " ", "'", "é", "É", "\u{2019}", "\u{00A0}", "ß", "\u{00B4}", "-"]
        for value in CommandWords.scalarFolds.keys.sorted() {
            let scalar = Unicode.Scalar(value)!
            for other in neighbours + [scalar] {
                for pair in [[other, scalar], [scalar, other], [other, scalar, other]] {
                    let text = String(String.UnicodeScalarView(pair))
                    #expect(CommandWords.fold(text) == CommandWords.foldUnicode(text), "\(pair.map(\.value))")
                }
            }
        }
    }

    @Test("a combining mark or another script sends the line through Foundation: the same fold")
    func fallbackToFoundation() {
        for line in ["de\u{0301}sabonner", "Ｈｅｌｐ", "помощь", "帮助 help", "e\u{0301}\u{0327}", "a\u{200C}b", "x\u{202E}y"] {
            #expect(CommandWords.fold(line) == CommandWords.foldUnicode(line), "\(line)")
        }
        #expect(CommandWords.fold("de\u{0301}sabonner") == "desabonner")
    }

    @Test("text outside ASCII still goes through Foundation: case, diacritics, NFKC, apostrophes")
    func unicodeStillFolded() {
        #expect(CommandWords.fold("DÉSABONNER") == "desabonner")
        #expect(CommandWords.fold("Envoyé de mon iPhone") == "envoye de mon iphone")
        #expect(CommandWords.fold("ｈｅｌｐ") == "help")  // full-width forms, NFKC
        #expect(CommandWords.fold("je veux m’inscrire") == "je veux m'inscrire")
    }
}
