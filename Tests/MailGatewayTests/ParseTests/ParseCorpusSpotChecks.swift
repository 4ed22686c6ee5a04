import Foundation
import Testing
import TestSupport
@testable import MailGateway

/// Values checked by hand (and with Python's email package) in the corpora.
@Suite(.enabled(if: Corpora.available, Comment(rawValue: Corpora.absentMessage)))
struct ParseCorpusSpotChecks {
    static func message(_ mbox: String, _ index: Int) throws -> ParsedMessage {
        let reader = try MboxReader(url: try #require(Corpora.url(mbox)))
        while let m = try reader.next() {
            if m.index == index { return try MessageParser.parse(m.raw) }
        }
        throw MboxError(path: mbox, operation: "read", reason: "message \(index) not found")
    }

    static let ksummit = "lore-ksummit/ksummit.mbox.gz"
    static let usrp = "lore-usrp-users/usrp-users-2022-08_10.mbox.gz"

    @Test func gb2312SubjectAndQuotedPrintableText() throws {
        let m = try Self.message(Self.ksummit, 643)
        #expect(m.messageID == "f3b8f329-c707-4921-80aa-89875934a292@ex02.jz.com")
        #expect(m.subject == "未送达:")
        #expect(m.text?.contains("向以下收件人或组传递邮件") == true)
        #expect(m.contentType == "multipart/report")
    }

    @Test func gbk8bitText() throws {
        let m = try Self.message(Self.ksummit, 766)
        #expect(m.messageID == "4MGSsh4bNyzcQ7J@mxf.global-mail.cn")
        #expect(m.text?.contains("您收到的是来自新网专业邮") == true)
    }

    @Test func latin1EightBitText() throws {
        let m = try Self.message(Self.ksummit, 1047)
        #expect(m.messageID == "20230822101311.GA6029@unreal")
        #expect(m.text?.contains("ü") == true)
        #expect(m.text?.contains("\u{FFFD}") == false)
    }

    @Test func iso88597QuotedPrintable() throws {
        let m = try Self.message(Self.ksummit, 2374)
        #expect(m.text?.contains("’") == true)
    }

    @Test func encodedSubjectAfterListTag() throws {
        let m = try Self.message(Self.usrp, 355)
        #expect(m.subject == "[USRP-users] AXI_RAM_FIFO doesn´t return any information")
    }

    @Test func attachmentNameTypeAndSize() throws {
        let m = try Self.message(Self.usrp, 16)
        let a = try #require(m.attachments.first { $0.filename == "data.xlsx" })
        #expect(a.contentType == "application/zip")
        #expect(a.data.count == 9129)
        #expect(!a.isInline)
        #expect(a.data.starts(with: [0x50, 0x4B]))  // "PK"
    }

    @Test func inlineImage() throws {
        let m = try Self.message(Self.usrp, 25)
        let a = try #require(m.attachments.first { $0.filename == "Untitled.jpg" })
        #expect(a.contentType == "image/jpeg")
        #expect(a.data.count == 100_069)
        #expect(a.isInline)
    }

    @Test func firstKsummitMessage() throws {
        let m = try Self.message(Self.ksummit, 1)
        #expect(m.from.first?.address == "tytso@mit.edu")
        #expect(m.date != nil)
    }

    @Test func notmuchYesReferencesDropped() throws {
        // lkml messages sent with git-send-email's `--in-reply-to=yes` bug.
        let root = try #require(Corpora.url("notmuch/corpora/lkml"))
        let files = ParseCorpusTests.files(under: "notmuch/corpora/lkml")
        var sawYes = 0
        for url in files {
            let raw = try [UInt8](Data(contentsOf: url))
            guard String(decoding: raw, as: UTF8.self).contains("References: <yes>") else { continue }
            sawYes += 1
            let m = try MessageParser.parse(raw)
            #expect(!m.references.contains("yes"))
            #expect(m.problems.contains { $0.contains("without @") })
        }
        #expect(sawYes > 0, "no <yes> message found under \(root.path)")
    }
}
