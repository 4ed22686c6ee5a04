import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// DG-12 on a real SQLite file: `list+get.<n>@` sends a member the archived post `n` as a standalone copy that
/// keeps its Message-ID, Subject, In-Reply-To and References; anything else is kept and answered by nothing.
@Suite("Get an archived post by email (DG-12)")
struct GetRequestTests {
    let base = AnnouncementTests()

    /// The research college with Hélène (fr) and José (es) as members, a reply accepted on it, and a held post.
    func world() throws -> (Gateway, URL, accepted: Int64, held: Int64) {
        let (gateway, directory, dir) = try base.makeGateway(nonMember: .hold)
        try directory.addMember(listID: "college-research", address: "jose@cirad.example")
        let reply = try base.process(gateway, list: "college-research", TestMail.message(
            id: "r1@inrae.example", to: "college-research@lists.example.org", subject: "Re: Carbone des sols",
            inReplyTo: "root@cirad.example", references: ["root@cirad.example"],
            extraHeaders: AnnouncementTests.authenticated("inrae.example")))
        guard case .archived(let accepted, _, let d1) = reply, d1.action == .accept else {
            throw GetTestFailure("not accepted: \(reply)")
        }
        let stranger = try base.process(gateway, list: "college-research", TestMail.message(
            id: "s1@elsewhere.example", from: "Stranger <x@elsewhere.example>", to: "college-research@lists.example.org",
            subject: "Offre", extraHeaders: AnnouncementTests.authenticated("elsewhere.example")))
        guard case .archived(let held, _, let d2) = stranger, d2.action == .hold else { throw GetTestFailure("not held: \(stranger)") }
        return (gateway, dir, accepted, held)
    }

    func get(_ gateway: Gateway, _ key: String, from: String = "José Martínez <jose@cirad.example>",
             id: String, list: String = "college-research") throws -> IngestOutcome {
        try base.process(gateway, list: list, TestMail.message(
            id: id, from: from, to: "\(list)+get.\(key)@lists.example.org", subject: "get", body: "",
            extraHeaders: AnnouncementTests.authenticated(String(from.split(separator: "@").last!.dropLast()))))
    }

    func getCopies(_ gateway: Gateway) throws -> [AnnouncementTests.Copy] {
        try base.outbox(gateway).filter { $0.purpose.hasPrefix("get:") }
    }

    @Test("a member gets the accepted post with its own Message-ID, In-Reply-To, References and subject, to their address only")
    func memberGetsPost() throws {
        let (gateway, dir, accepted, _) = try world()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try get(gateway, "\(accepted)", id: "g1@cirad.example")
        guard case .routed(_, let route, let detail) = outcome else { Issue.record("\(outcome)"); return }
        #expect(route == "get" && detail == "sent message \(accepted)")
        #expect(try getCopies(gateway).map(\.recipient) == ["jose@cirad.example"])
        let purpose = try #require(try getCopies(gateway).first?.purpose)
        let text = try base.text(gateway, to: "jose@cirad.example", purpose: purpose)
        #expect(text.contains("\r\nMessage-ID: <r1@inrae.example>\r\n"))
        #expect(text.contains("\r\nIn-Reply-To: <root@cirad.example>\r\n"))
        #expect(text.contains("\r\nReferences: <root@cirad.example>\r\n"))
        #expect(text.contains("List-Id: "), "the list's headers, as on the copies of the post")
        #expect(text.contains("Re: Carbone des sols"))
        // A second request is its own copy.
        _ = try get(gateway, "\(accepted)", id: "g2@cirad.example")
        #expect(try getCopies(gateway).count == 2)
    }

    @Test("refused without an answer: a non-member, a held post, another list's post, a number that is no post")
    func refusals() throws {
        let (gateway, dir, accepted, held) = try world()
        defer { try? FileManager.default.removeItem(at: dir) }
        let nonMember = try get(gateway, "\(accepted)", from: "Olivia <olivia@soilfund.example>", id: "n1@soilfund.example")
        guard case .routed(_, _, let d1) = nonMember else { Issue.record("\(nonMember)"); return }
        #expect(d1 == "refused: not a member")
        let heldPost = try get(gateway, "\(held)", id: "n2@cirad.example")
        guard case .routed(_, _, let d2) = heldPost else { Issue.record("\(heldPost)"); return }
        #expect(d2 == "refused: no such post", "a held message is not in the list's archive")
        let garbage = try get(gateway, "abc", id: "n3@cirad.example")
        guard case .routed(_, _, let d3) = garbage else { Issue.record("\(garbage)"); return }
        #expect(d3 == "refused: not a message number")
        // José is a member of announce (the register), but post `accepted` belongs to college-research.
        let otherList = try get(gateway, "\(accepted)", id: "n4@cirad.example", list: "announce")
        guard case .routed(_, _, let d4) = otherList else { Issue.record("\(otherList)"); return }
        #expect(d4 == "refused: no such post")
        #expect(try base.outbox(gateway).allSatisfy { !$0.purpose.hasPrefix("get:") && $0.recipient != "olivia@soilfund.example" })
    }

    @Test("where an authserv-id is trusted, a get without an aligned pass is refused (it sends mail at once)")
    func unauthenticatedRefused() throws {
        let (gateway, dir, accepted, _) = try world()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try base.process(gateway, list: "college-research", TestMail.message(
            id: "u1@cirad.example", from: "José Martínez <jose@cirad.example>",
            to: "college-research+get.\(accepted)@lists.example.org", subject: "get", body: ""))
        guard case .routed(_, _, let detail) = outcome else { Issue.record("\(outcome)"); return }
        #expect(detail.hasPrefix("refused: spoofing"))
        #expect(try getCopies(gateway).isEmpty)
    }

    @Test("at most 50 answered requests per member and day")
    func rateLimited() throws {
        let (gateway, dir, accepted, _) = try world()
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in 1...51 { _ = try get(gateway, "\(accepted)", id: "rl\(n)@cirad.example") }
        #expect(try getCopies(gateway).count == GetHandler.maxPerDay)
    }
}

struct GetTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
