import Testing
@testable import MailGateway

/// The reply state machine of ``PipelinedSMTPConnection``, with no I/O.
@Suite struct SMTPReplyParserTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func aMultiLineReplyIsOneReplyWithItsLines() throws {
        var parser = SMTPReplyParser()
        let replies = try parser.feed(bytes("250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n"))
        #expect(replies == [SMTPReply(code: 250, lines: ["mx.example", "PIPELINING", "SIZE 10240000", "8BITMIME"])])
        #expect(!parser.isInsideReply)
    }

    @Test func aReplySplitAcrossReadsComesOutWhole() throws {
        var parser = SMTPReplyParser()
        let whole = bytes("250-first\r\n250 2.1.0 Ok\r\n")
        // Every cut point, including inside the code and between CR and LF.
        for cut in 1..<whole.count {
            var first = try parser.feed(Array(whole[..<cut]))
            #expect(first.isEmpty, "cut \(cut)")
            #expect(parser.isInsideReply)
            first += try parser.feed(Array(whole[cut...]))
            #expect(first == [SMTPReply(code: 250, lines: ["first", "2.1.0 Ok"])], "cut \(cut)")
        }
    }

    @Test func severalRepliesInOneReadComeOutInOrder() throws {
        var parser = SMTPReplyParser()
        let replies = try parser.feed(bytes("250 2.1.0 Ok\r\n550 5.1.1 <a@b>: unknown\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"))
        #expect(replies.map(\.code) == [250, 550, 250, 354])
        #expect(replies[1].text == "5.1.1 <a@b>: unknown")
    }

    @Test func aCodeAloneAndABareLFAreAccepted() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.feed(bytes("250\n221 bye\n")) == [SMTPReply(code: 250, lines: [""]), SMTPReply(code: 221, lines: ["bye"])])
        #expect(SMTPReply(code: 250, lines: [""]).text == "")
    }

    @Test(arguments: ["hello\r\n", "25\r\n", "2x0 ok\r\n", "250_ok\r\n", "199 too low\r\n", "600 too high\r\n",
                      "250-a\r\n550 b\r\n", "\r\n"])
    func garbageIsMalformed(_ text: String) {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.Failure.malformed) { _ = try parser.feed(bytes(text)) }
    }

    @Test func aLineOver512BytesFailsEvenBeforeItsEnd() throws {
        var whole = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.Failure.lineTooLong) {
            _ = try whole.feed(bytes("250 " + String(repeating: "x", count: 600) + "\r\n"))
        }
        // No line end yet: the parser does not wait for one forever.
        var endless = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.Failure.lineTooLong) {
            for _ in 0..<10 { _ = try endless.feed(bytes("250-" + String(repeating: "y", count: 100))) }
        }
        // 512 bytes is still a line.
        var longest = SMTPReplyParser()
        #expect(try longest.feed(bytes("250 " + String(repeating: "z", count: 508) + "\r\n")).count == 1)
    }

    @Test func aReplyHasABoundedTotalSize() {
        var parser = SMTPReplyParser()
        let line = bytes("250-" + String(repeating: "k", count: 400) + "\r\n")
        #expect(throws: SMTPReplyParser.Failure.replyTooLong) {
            for _ in 0..<1000 { _ = try parser.feed(line) }
        }
    }
}
