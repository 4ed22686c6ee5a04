import Foundation
@testable import MailGateway
import Testing
import TestSupport

/// The one-click unsubscribe page as the listener serves it, in headless Chromium at a phone's width (375 px):
/// no horizontal overflow, the button and the address visible, no script, nothing loaded from elsewhere.
@Suite(.serialized, .enabled(if: HeadlessChromium.available, "\(HeadlessChromium.absentMessage)"))
struct UnsubscribePageRenderingTests {
    static let buttons: [Language: String] = [
        .fr: "Ne plus recevoir les messages", .en: "Stop receiving messages", .es: "Dejar de recibir los mensajes",
    ]

    @Test("the GET page fits 375 px with its button visible", arguments: Language.allCases)
    func fits(language: Language) async throws {
        let world = try await HTTPTestWorld.start(prefix: "page")
        // A long address (64-octet local part) and the list's long name are the widest things on the page.
        let address = "\(String(repeating: "a", count: 40)).\(String(repeating: "b", count: 23))@very-long-partner-domain.example.org"
        try world.member(address, language: language, lists: [world.a])
        let reply = try await world.curl(world.path(address, world.a))
        #expect(reply.status == 200)
        let page = world.dir.appendingPathComponent("unsubscribe-\(language.rawValue).html")
        try reply.body.write(to: page, atomically: true, encoding: .utf8)
        let button = try #require(Self.buttons[language])
        let report = try await HeadlessChromium.measure(file: page, widths: [375], texts: [button, address])
        let frame = try #require(report.frames.first)
        #expect(frame.innerWidth == 375 && frame.clientWidth == 375, "viewport \(frame.innerWidth)/\(frame.clientWidth)")
        #expect(!frame.overflows, "scroll \(frame.scrollWidth) px; beyond: \(frame.beyondViewport)")
        #expect(frame.hiddenTexts.isEmpty, "\(frame.hiddenTexts.map { "\($0.text): \($0.reason ?? "")" })")
        #expect(frame.scripts == 0)
        #expect(frame.externalResources.isEmpty, "\(frame.externalResources)")
        #expect(try world.delivery(address, in: world.a) == .immediate, "rendering the page changed nothing")
        try await world.stop()
    }
}
