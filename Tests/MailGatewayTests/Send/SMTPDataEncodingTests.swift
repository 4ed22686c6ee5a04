import Testing
@testable import MailGateway

/// What follows DATA on the wire: line ends, dot-stuffing, the end of data (``SMTPDataEncoding``).
@Suite struct SMTPDataEncodingTests {
    func wire(_ text: String) -> String {
        let message = Array(text.utf8)
        return String(decoding: SMTPDataEncoding(message: message).wire(of: message), as: UTF8.self)
    }

    @Test func aCleanCRLFMessageIsSentAsItIsWithoutACopy() {
        let message = Array("Subject: x\r\n\r\nbody\r\n".utf8)
        let encoding = SMTPDataEncoding(message: message)
        #expect(encoding.rewritten == nil)
        #expect(encoding.terminator == Array(".\r\n".utf8))
        #expect(!encoding.hasEightBitBytes)
        // Without a final line end one is added before the dot.
        #expect(wire("Subject: x\r\n\r\nbody") == "Subject: x\r\n\r\nbody\r\n.\r\n")
        #expect(wire("") == ".\r\n")
    }

    @Test func leadingDotsAreDoubled() {
        #expect(wire(".first\r\nmid.dle\r\n.\r\n..two\r\n") == "..first\r\nmid.dle\r\n..\r\n...two\r\n.\r\n")
        #expect(wire("a\r\n.") == "a\r\n..\r\n.\r\n")
    }

    /// SMTP smuggling: a bare LF or CR must not let a `.` line end the data early on a lenient server.
    @Test func bareLineEndsBecomeCRLFAndTheirDotsAreStuffed() {
        #expect(wire("a\n.\nMAIL FROM:<x@evil>\r\n") == "a\r\n..\r\nMAIL FROM:<x@evil>\r\n.\r\n")
        #expect(wire("a\r\n.\nb") == "a\r\n..\r\nb\r\n.\r\n")
        #expect(wire("a\r.\r\nb\r\n") == "a\r\n..\r\nb\r\n.\r\n")
        #expect(wire("a\n\r\nb\r") == "a\r\n\r\nb\r\n.\r\n")
        // After encoding, CR and LF only ever appear as CRLF pairs, and no line is a lone dot but the last.
        for text in ["x\n.\r\ny", "\r.\n.\r", ".\n\n.", "\r\n.\r\n.\r\n"] {
            let lines = wire(text).components(separatedBy: "\r\n")
            #expect(lines.allSatisfy { !$0.contains("\r") && !$0.contains("\n") }, "\(text.debugDescription)")
            #expect(lines.dropLast().firstIndex(of: ".") == lines.count - 2, "\(text.debugDescription)")
        }
    }

    @Test func eightBitBytesAreNoticed() {
        #expect(SMTPDataEncoding(message: Array("R\u{e9}union\r\n".utf8)).hasEightBitBytes)
        #expect(!SMTPDataEncoding(message: Array("plain\r\n".utf8)).hasEightBitBytes)
    }
}
