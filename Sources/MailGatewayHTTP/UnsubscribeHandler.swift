import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MailGateway
import NIOCore

/// The one-click unsubscribe endpoint (RFC 8058): a GET shows the page and changes nothing (mail scanners
/// follow links); a POST whose body holds `List-Unsubscribe=One-Click` (form-urlencoded or multipart/form-data,
/// RFC 8058 §3.2) sets the member's delivery to `none`. A bad, tampered or foreign token gets 400, an unknown list
/// or an address no longer in the list 404; nothing changes then.
struct UnsubscribeHandler: Sendable {
    let service: OneClickUnsubscribe?
    let pages: UnsubscribePages
    let logger: Logger

    /// Largest POST body read (RFC 8058 bodies are a few dozen bytes).
    static let maxBody = 16 * 1024

    func get(_ request: Request, list: String) async throws -> Response {
        let token = Self.token(request)
        guard let service else { return unavailable() }
        let outcome = try await service.look(listID: list, token: token)
        return page(outcome, listID: list, token: token, after: false)
    }

    func post(_ request: Request, list: String) async throws -> Response {
        var request = request
        let token = Self.token(request)
        guard let service else { return unavailable() }
        let body = try await request.collectBody(upTo: Self.maxBody)
        guard Self.isOneClick(body: String(buffer: body), contentType: request.headers[.contentType]) else {
            // Not an RFC 8058 request: say so, change nothing.
            let outcome = try await service.look(listID: list, token: token)
            if case .member = outcome {
                return Self.text(.badRequest, "the body must be List-Unsubscribe=One-Click (RFC 8058)\n")
            }
            return page(outcome, listID: list, token: token, after: true)
        }
        let outcome = try await service.unsubscribe(listID: list, token: token)
        if case .member(_, let changed) = outcome {
            logger.info("one-click unsubscribe", metadata: ["list.id": "\(list)", "changed": "\(changed)"])
        }
        return page(outcome, listID: list, token: token, after: true)
    }

    private func page(_ outcome: OneClickUnsubscribe.Outcome, listID: String, token: String, after: Bool) -> Response {
        switch outcome {
        case .unknownList:
            return Self.text(.notFound, "no such list\n")
        case .invalidToken(let list):
            return html(.badRequest, pages.render(.invalid, language: list.language, list: list, listID: listID,
                                                  address: nil, action: nil))
        case .notMember(let list):
            return html(.notFound, pages.render(.notMember, language: list.language, list: list, listID: listID,
                                                address: nil, action: nil))
        case .member(let member, _):
            let state: UnsubscribePages.State
            if after { state = .done } else if member.delivery == DeliveryMode.none { state = .already } else { state = .confirm }
            let action = "unsubscribe?token=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            return html(.ok, pages.render(state, language: member.language, list: member.list, listID: listID,
                                          address: member.address, action: action))
        }
    }

    private func unavailable() -> Response {
        Self.text(.serviceUnavailable, "one-click unsubscribe needs the gateway's secret (moderation key)\n")
    }

    private func html(_ status: HTTPResponse.Status, _ page: String) -> Response {
        Response(status: status,
                 headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                           HTTPField.Name("Referrer-Policy")!: "no-referrer",
                           HTTPField.Name("X-Robots-Tag")!: "noindex",
                           HTTPField.Name("Content-Security-Policy")!:
                               "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"],
                 body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    private static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The `token` query parameter (percent-decoded), empty when absent.
    private static func token(_ request: Request) -> String {
        request.uri.queryParameters["token"].map(String.init) ?? ""
    }

    /// Whether a POST body carries `List-Unsubscribe=One-Click`: as a form-urlencoded pair, or as a
    /// multipart/form-data part named `List-Unsubscribe` whose value is `One-Click`.
    static func isOneClick(body: String, contentType: String?) -> Bool {
        if contentType?.lowercased().hasPrefix("multipart/form-data") == true {
            let parts = body.components(separatedBy: "\r\n\r\n")
            for (index, part) in parts.enumerated().dropLast()
            where part.range(of: "name=\"List-Unsubscribe\"", options: .caseInsensitive) != nil {
                if parts[index + 1].hasPrefix("One-Click") { return true }
            }
            return false
        }
        return body.split(separator: "&").contains { pair in
            pair.trimmingCharacters(in: .whitespacesAndNewlines) == "List-Unsubscribe=One-Click"
        }
    }
}
