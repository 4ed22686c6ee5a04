import Testing
@testable import MailGateway

@Suite struct ParseSmokeTests {
    @Test func parsesMinimalMessage() throws {
        let m = try MessageParser.parse(Array("Subject: hi\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n".utf8))
        #expect(m.subject == "hi")
        #expect(m.messageID == "a@b")
        #expect(m.text == "body\n")
    }
}
