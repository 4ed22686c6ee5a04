import Foundation
import Testing
@testable import MailGateway
import TestSupport

/// The per-member opt-out of one's own posts by email: `set ownposts off` (fr `régler copie non`, es
/// `configurar copia no`), confirmed like every `set`, answered in the member's language.
@Suite struct OwnPostsCommandTests {
    @Test(arguments: [
        ("set ownposts off", false), ("set ownposts on", true), ("régler copie non", false), ("set copie oui", true),
        ("configurar copia no", false), ("set copia si", true), ("set metoo no", false),
    ])
    func parses(line: String, on: Bool) {
        let reading = CommandParser.parse(lines: [line])
        #expect(reading.commands == [.set(.ownPosts(on))], "\(line)")
    }

    @Test func aMemberTurnsTheirOwnPostsOffAndOnByEmail() throws {
        let world = try CommandWorld()
        defer { world.close() }
        let list = "college-research"
        #expect(try world.membership("helene@inrae.example", list: list)?.ownPosts == true, "on by default")
        func run(_ line: String) throws -> CommandWorld.Copy? {
            let before = try world.outbox().count
            try world.process(CommandWorld.command("request", list: list, from: "helene@inrae.example", body: "\(line)\r\n"),
                              list: list)
            var copies = try world.newCopies(after: before)
            if let request = copies.first, request.purpose.hasPrefix("confirm:"), let token = request.token {
                let confirmed = try world.outbox().count
                try world.process(CommandWorld.command("request", list: list, from: "helene@inrae.example",
                                                       body: "confirm \(token)\r\n"), list: list)
                copies = try world.newCopies(after: confirmed)
            }
            return copies.last
        }
        let off = try run("set ownposts off")
        #expect(try world.membership("helene@inrae.example", list: list)?.ownPosts == false)
        #expect(off?.text.contains("Vous ne recevrez plus de copie de vos propres messages.") == true, "\(off?.text ?? "")")
        _ = try run("régler copie oui")
        #expect(try world.membership("helene@inrae.example", list: list)?.ownPosts == true)
    }
}
