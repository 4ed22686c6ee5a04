import Foundation

/// Whether the integration tests must run. `.ci/run` sets `MAILGATEWAY_REQUIRE_INTEGRATION=1`: then a missing
/// Dovecot or Postfix fails the run (the suites are enabled and fail to start their servers, and
/// `RequiredServersTests` names what is missing) instead of skipping the tests that prove the product works.
public enum IntegrationRequirement {
    /// The environment variable that makes the integration tests mandatory.
    public static let variable = "MAILGATEWAY_REQUIRE_INTEGRATION"

    /// True when `MAILGATEWAY_REQUIRE_INTEGRATION` is `1` (or `true`/`yes`).
    public static var required: Bool {
        guard let value = ProcessInfo.processInfo.environment[variable]?.lowercased() else { return false }
        return ["1", "true", "yes"].contains(value)
    }
}
