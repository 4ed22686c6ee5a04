import Foundation
import Testing
@testable import MailGateway

/// `SpoofingRule.authentication(of:)`, the check the announcement gate (issue 9, AN-2) will share.
@Suite("Spoofing authentication")
struct SpoofingAuthenticationTests {
    static let trusted = PolicyTests.trusted

    static func context(_ results: [String], trusted: String? = trusted) -> PostContext {
        let headers = results.map { ("Authentication-Results", $0) } + [("Received", "from relay by mx")]
        return PolicyTests.context(PolicyTests.message(headers: headers), trusted: trusted)
    }

    @Test func withoutTrustedAuthservNothingIsProven() {
        let c = Self.context(["\(Self.trusted); dkim=pass header.d=inrae.fr"], trusted: nil)
        #expect(SpoofingRule.authentication(of: c) == .noTrustedAuthserv)
        #expect(SpoofingRule().evaluate(c) == nil)
    }

    @Test func alignedDKIMPassFromTheTrustedAuthserv() {
        let c = Self.context(["\(Self.trusted); dkim=pass header.d=inrae.fr"])
        #expect(SpoofingRule.authentication(of: c) == .alignedPass)
        #expect(SpoofingRule().evaluate(c) == nil)
    }

    @Test func anotherAuthservIDIsIgnored() {
        let c = Self.context(["mx.elsewhere.example; dkim=pass header.d=inrae.fr"])
        #expect(SpoofingRule.authentication(of: c) == .notAuthenticated)
        #expect(SpoofingRule().evaluate(c)?.reason == .notAuthenticated)
    }

    @Test func trustedDMARCFail() {
        let c = Self.context(["\(Self.trusted); dmarc=fail header.from=inrae.fr"])
        #expect(SpoofingRule.authentication(of: c) == .dmarcFail)
        #expect(SpoofingRule().evaluate(c)?.reason == .dmarcFail)
    }
}
