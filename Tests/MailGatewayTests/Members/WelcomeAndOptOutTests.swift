import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// Welcome and goodbye, and removals that stick across register imports.
@Suite("Members: welcome, goodbye, opt-outs")
struct WelcomeAndOptOutTests {
    @Test("a register import welcomes only the people new to a list; a re-import welcomes nobody; --no-welcome none")
    func importWelcomes() throws {
        let world = try CommandWorld(welcomeOnImport: true)
        defer { world.close() }
        let first = try world.outbox()
        // Hélène and José are new to the research college: one welcome each, in their language.
        #expect(Set(first.map(\.recipient)) == ["helene@inrae.example", "jose@cirad.example"])
        #expect(first.allSatisfy { $0.purpose.hasPrefix("welcome:") })
        #expect(first.first { $0.recipient == "helene@inrae.example" }?.message.subject.hasPrefix("Bienvenue") == true)
        #expect(first.first { $0.recipient == "jose@cirad.example" }?.message.subject.hasPrefix("Bienvenido") == true)
        let again = try world.directory.importRegister(try PartnerRegister(csv: Array(CommandWorld.csv.utf8)),
                                                       welcome: world.mail)
        #expect(again.welcomesQueued == 0)
        #expect(try world.outbox().count == 2)
        // A new person in the register: only they are welcomed.
        let grown = CommandWorld.csv + "\nIRD,France,research,no,Amélie Nguyen,amelie@ird.example,fr"
        let summary = try world.directory.importRegister(try PartnerRegister(csv: Array(grown.utf8)), welcome: world.mail)
        #expect(summary.welcomesQueued == 1)
        #expect(try world.newCopies(after: 2).map(\.recipient) == ["amelie@ird.example"])
    }

    @Test("an import without welcome (--no-welcome) queues none")
    func noWelcome() throws {
        let world = try CommandWorld(welcomeOnImport: false)
        defer { world.close() }
        #expect(try world.outbox().isEmpty)
        #expect(try world.membership("helene@inrae.example", list: "college-research") != nil)
    }

    @Test("members add welcomes a person new to the list, once")
    func addWelcomes() throws {
        let world = try CommandWorld()
        defer { world.close() }
        #expect(try world.directory.addMember(listID: "interface-knowledge", address: "olivia@soilfund.example",
                                              welcome: world.mail))
        #expect(try !world.directory.addMember(listID: "interface-knowledge", address: "olivia@soilfund.example",
                                               delivery: .digest, welcome: world.mail))
        let copies = try world.outbox()
        #expect(copies.count == 1 && copies.first?.recipient == "olivia@soilfund.example")
        #expect(copies.first?.message.subject == "Welcome to interface-knowledge")
    }

    @Test("a removal sticks across a re-import; joining again by email brings the person back")
    func removalSticks() throws {
        let world = try CommandWorld()
        defer { world.close() }
        let csv = try PartnerRegister(csv: Array(CommandWorld.csv.utf8))
        #expect(try world.directory.removeMember(listID: "college-research", address: "helene@inrae.example"))
        _ = try world.directory.importRegister(csv)
        #expect(try world.membership("helene@inrae.example", list: "college-research") == nil, "still out")
        // Leaving by email records the same opt-out.
        try world.process(CommandWorld.command("leave", list: "college-research", from: "jose@cirad.example"),
                          list: "college-research")
        let leaveToken = try #require(try world.outbox().last?.token)
        try world.process(CommandWorld.command("confirm.\(leaveToken)", list: "college-research", from: "jose@cirad.example"),
                          list: "college-research")
        _ = try world.directory.importRegister(csv)
        #expect(try world.membership("jose@cirad.example", list: "college-research") == nil)
        // Hélène joins again by email: back in, and the next import keeps her.
        try world.process(CommandWorld.command("join", list: "college-research", from: "helene@inrae.example"),
                          list: "college-research")
        let joinToken = try #require(try world.outbox().last?.token)
        try world.process(CommandWorld.command("confirm.\(joinToken)", list: "college-research", from: "helene@inrae.example"),
                          list: "college-research")
        _ = try world.directory.importRegister(csv)
        let back = try #require(try world.membership("helene@inrae.example", list: "college-research"))
        #expect(back.origin == .register)
        #expect(try world.outbox().contains { $0.purpose.hasPrefix("welcome:") && $0.recipient == "helene@inrae.example" })
    }
}
