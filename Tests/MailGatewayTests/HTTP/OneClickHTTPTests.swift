import Foundation
@testable import MailGateway
import Testing

/// The one-click unsubscribe endpoint through the real listener and a real client (curl): RFC 8058's POST sets
/// the member to no mail at once; a GET shows the page and changes nothing; bad, tampered and foreign tokens are
/// refused and change nothing.
@Suite(.serialized) struct OneClickHTTPTests {
    @Test("POST List-Unsubscribe=One-Click sets that member to nomail for that list only, 200")
    func postUnsubscribes() async throws {
        let world = try await HTTPTestWorld.start()
        let anne = "Anne.Martin@Partner.example"
        try world.member(anne, language: .fr, lists: [world.a, world.b])
        try world.member("bob@partner.example", language: .en, lists: [world.a])
        let path = world.path(anne, world.a)

        let reply = try await world.oneClick(path)
        #expect(reply.status == 200)
        #expect(reply.body.contains("C'est fait"), "French page: \(reply.body.prefix(400))")
        #expect(try world.delivery(anne, in: world.a) == DeliveryMode.none)
        #expect(try world.delivery(anne, in: world.b) == .immediate, "another list is untouched")
        #expect(try world.delivery("bob@partner.example", in: world.a) == .immediate, "another member is untouched")

        // Again: still 200, still nomail (idempotent).
        let again = try await world.oneClick(path)
        #expect(again.status == 200)
        #expect(try world.delivery(anne, in: world.a) == DeliveryMode.none)
        try await world.stop()
    }

    @Test("multipart/form-data (RFC 8058 §3.2) is accepted too; a POST without the One-Click body changes nothing")
    func postBodies() async throws {
        let world = try await HTTPTestWorld.start()
        let carla = "carla@socio.example"
        try world.member(carla, language: .es, lists: [world.a])
        let path = world.path(carla, world.a)

        let empty = try await world.curl(path, ["-X", "POST"])
        #expect(empty.status == 400)
        let wrong = try await world.curl(path, ["-X", "POST", "--data-raw", "List-Unsubscribe=Yes"])
        #expect(wrong.status == 400)
        #expect(try world.delivery(carla, in: world.a) == .immediate)

        let multipart = try await world.curl(path, ["-F", "List-Unsubscribe=One-Click"])
        #expect(multipart.status == 200)
        #expect(multipart.body.contains("Hecho"), "Spanish page: \(multipart.body.prefix(400))")
        #expect(try world.delivery(carla, in: world.a) == DeliveryMode.none)
        try await world.stop()
    }

    @Test("GET shows the page in the member's language with a button that POSTs, and changes nothing")
    func getShowsPage() async throws {
        let world = try await HTTPTestWorld.start()
        let carla = "carla@socio.example"
        try world.member(carla, language: .es, lists: [world.a])
        let token = world.token(carla, list: world.a)
        let reply = try await world.curl("/lists/\(world.a.id)/unsubscribe?token=\(token)")
        #expect(reply.status == 200)
        #expect(reply.body.contains("<html lang=\"es\">"))
        #expect(reply.body.contains("Dejar de recibir los mensajes"))
        #expect(reply.body.contains(carla))
        #expect(reply.body.contains("<form method=\"post\" action=\"unsubscribe?token="))
        #expect(reply.body.contains("name=\"List-Unsubscribe\" value=\"One-Click\""))
        #expect(!reply.body.contains("<script"), "no script")
        #expect(!reply.body.contains("src="), "no external resource")
        #expect(reply.headers.lowercased().contains("content-security-policy: default-src 'none'"))
        #expect(reply.headers.lowercased().contains("cache-control: no-store"))
        #expect(try world.delivery(carla, in: world.a) == .immediate, "a GET never changes anything")
        // HEAD and repeated GETs (link scanners) change nothing either.
        _ = try await world.curl("/lists/\(world.a.id)/unsubscribe?token=\(token)", ["-I"])
        _ = try await world.curl("/lists/\(world.a.id)/unsubscribe?token=\(token)")
        #expect(try world.delivery(carla, in: world.a) == .immediate)

        // The page's own form: what a browser posts (form-urlencoded, the hidden field) unsubscribes.
        let posted = try await world.curl("/lists/\(world.a.id)/unsubscribe?token=\(token)",
                                          ["--data-urlencode", "List-Unsubscribe=One-Click"])
        #expect(posted.status == 200)
        #expect(try world.delivery(carla, in: world.a) == DeliveryMode.none)
        // Now the GET says so, without a button.
        let after = try await world.curl("/lists/\(world.a.id)/unsubscribe?token=\(token)")
        #expect(after.status == 200)
        #expect(after.body.contains("Ya no recibe"))
        #expect(!after.body.contains("<form"))
        try await world.stop()
    }

    @Test("bad, tampered, missing and other-key tokens get 400; an unknown list 404; nothing changes")
    func badTokens() async throws {
        let world = try await HTTPTestWorld.start()
        let anne = "anne@partner.example"
        try world.member(anne, language: .fr, lists: [world.a])
        let good = world.token(anne, list: world.a)
        let last = good.last == "0" ? "1" : "0"
        let tampered = String(good.dropLast()) + last
        let otherAddress = UnsubscribeKey(bytes: world.gateway.unsubscribeKey!.bytes)
            .token(list: world.a.id, address: anne).replacingOccurrences(of: ".", with: "x.")
        let otherKey = UnsubscribeKey(secret: "another secret").token(list: world.a.id, address: anne)
        for token in [tampered, "garbage", "", ".", "\(good)00", otherAddress, otherKey] {
            let path = "/lists/\(world.a.id)/unsubscribe?token=\(token)"
            let post = try await world.oneClick(path)
            #expect(post.status == 400, "POST \(token)")
            let get = try await world.curl(path)
            #expect(get.status == 400, "GET \(token)")
        }
        let noQuery = try await world.oneClick("/lists/\(world.a.id)/unsubscribe")
        #expect(noQuery.status == 400)
        let unknownList = try await world.oneClick("/lists/nope/unsubscribe?token=\(good)")
        #expect(unknownList.status == 404)
        #expect(try world.delivery(anne, in: world.a) == .immediate)
        try await world.stop()
    }

    @Test("a token made for another list is refused on this one, and changes neither list")
    func foreignListToken() async throws {
        let world = try await HTTPTestWorld.start()
        let anne = "anne@partner.example"
        try world.member(anne, language: .fr, lists: [world.a, world.b])
        let tokenForB = world.token(anne, list: world.b)
        let reply = try await world.oneClick("/lists/\(world.a.id)/unsubscribe?token=\(tokenForB)")
        #expect(reply.status == 400)
        #expect(reply.body.contains("n'est pas valide"), "the list's language: \(reply.body.prefix(300))")
        #expect(try world.delivery(anne, in: world.a) == .immediate)
        #expect(try world.delivery(anne, in: world.b) == .immediate)
        try await world.stop()
    }

    @Test("a valid token for an address no longer in the list: 404, nothing recreated")
    func formerMember() async throws {
        let world = try await HTTPTestWorld.start()
        let anne = "anne@partner.example"
        try world.member(anne, language: .en, lists: [world.a])
        try world.directory.removeMember(listID: world.a.id, address: anne)
        let reply = try await world.oneClick(world.path(anne, world.a))
        #expect(reply.status == 404)
        #expect(try world.delivery(anne, in: world.a) == nil)
        try await world.stop()
    }

    @Test("a digest reader who unsubscribes is owed what accumulated (MembershipChanges' flush rule applies)")
    func digestReaderFlush() async throws {
        let world = try await HTTPTestWorld.start()
        let anne = "anne@partner.example"
        try world.member(anne, language: .fr, lists: [world.a], delivery: .digest)
        let reply = try await world.oneClick(world.path(anne, world.a))
        #expect(reply.status == 200)
        #expect(try world.delivery(anne, in: world.a) == DeliveryMode.none)
        let flushes = try await world.gateway.database.pool.read { db in
            try DigestFlushRecord.pending(db, upTo: Date().addingTimeInterval(60))
        }
        #expect(flushes.map(\.listID) == [world.a.id])
        #expect(flushes.map(\.format) == ["digest"])
        try await world.stop()
    }
}
