import Foundation
import Testing
@testable import MailGateway

/// "de <list>" in the French and Spanish templates: elided and contracted as the languages write it.
@Suite("List names in sentences")
struct ListNameGrammarTests {
    @Test("French elides before a vowel and contracts with le/les; Spanish contracts de el; English says of")
    func grammar() {
        #expect(ListNameGrammar.of("Interface Projets", in: .fr) == "d'Interface Projets")
        #expect(ListNameGrammar.of("Écologie des sols", in: .fr) == "d'Écologie des sols")
        #expect(ListNameGrammar.of("Collège Recherche", in: .fr) == "de Collège Recherche")
        #expect(ListNameGrammar.of("Le Groupe Sols", in: .fr) == "du Groupe Sols")
        #expect(ListNameGrammar.of("Les Financeurs", in: .fr) == "des Financeurs")
        #expect(ListNameGrammar.of("Habitat", in: .fr) == "de Habitat", "an h may be aspirated: no elision")
        #expect(ListNameGrammar.of("El Foro", in: .es) == "del Foro")
        #expect(ListNameGrammar.of("Interfaz", in: .es) == "de Interfaz")
        #expect(ListNameGrammar.of("Interface", in: .en) == "of Interface")
    }

    @Test("a French answer about an interface says « membre d'interface-knowledge », not « de interface »")
    func frenchAnswer() throws {
        let world = try CommandWorld()
        defer { world.close() }
        // Hélène (French) is not in the interface: her leave is answered "not a member".
        try world.process(CommandWorld.command("leave", from: "helene@inrae.example"))
        let reply = try #require(try world.outbox().first)
        #expect(reply.text.contains("n'est pas membre d'interface-knowledge"), "\(reply.text)")
        #expect(!reply.text.contains("de interface-knowledge"))
    }

    @Test("a French leave confirmation: « désabonnement d'interface-knowledge », in the subject and the text")
    func leaveConfirmation() throws {
        let world = try CommandWorld()
        defer { world.close() }
        try world.directory.addMember(listID: "interface-knowledge", address: "helene@inrae.example")
        let before = try world.outbox().count
        // Unauthenticated: the leave asks the address for a confirmation, in Hélène's French.
        try world.process(CommandWorld.command("leave", from: "helene@inrae.example"))
        let request = try #require(try world.newCopies(after: before).first)
        #expect(request.message.subject == "Confirmer\u{00A0}: désabonnement d'interface-knowledge")
        #expect(request.text.contains("de désabonner cette adresse d'interface-knowledge"))
    }
}
