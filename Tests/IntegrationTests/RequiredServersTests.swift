import Testing
import TestSupport

/// Under CI (`MAILGATEWAY_REQUIRE_INTEGRATION=1`) the real servers must be there: a run that would otherwise skip
/// the integration suites fails here, naming what is missing.
@Suite("Integration servers are present where they are required",
       .enabled(if: IntegrationRequirement.required, "MAILGATEWAY_REQUIRE_INTEGRATION is not set"))
struct RequiredServersTests {
    @Test func dovecotIsInstalled() {
        #expect(DovecotServer.installed, "\(DovecotServer.absentMessage) but MAILGATEWAY_REQUIRE_INTEGRATION=1")
    }

    @Test func postfixAndSMTPSinkAreInstalled() {
        #expect(PostfixRelay.installed, "\(PostfixRelay.absentMessage) but MAILGATEWAY_REQUIRE_INTEGRATION=1")
    }

    @Test func chromiumIsInstalled() {
        #expect(HeadlessChromium.installed, "\(HeadlessChromium.absentMessage) but MAILGATEWAY_REQUIRE_INTEGRATION=1")
    }
}
