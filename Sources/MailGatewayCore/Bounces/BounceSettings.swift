public import Foundation

/// The bounce thresholds (`bounces` in the configuration; docs/configuration.md). Defaults are BN-5..BN-7's.
public struct BounceSettings: Sendable, Equatable, Codable {
    /// Score at which a probe is sent (`threshold`, default 5.0: five days of hard bounces).
    public var threshold: Double
    /// How long a probe may take to bounce before the address is cleared (`probe_wait_hours`, default 48).
    public var probeWait: TimeInterval
    /// Warnings sent while disabled before removal (`warnings`, default 3).
    public var maxWarnings: Int
    /// Time between warnings, and from the last one to removal (`warning_interval_days`, default 7).
    public var warningInterval: TimeInterval
    /// Consecutive successful deliveries that reset a score (`successes_to_reset`, default 3).
    public var successesToReset: Int
    /// Policy refusals of one list from one receiving domain in 24 hours that make an alert to the moderators
    /// (`policy_alert_min`, default 3).
    public var policyAlertMin: Int

    public init(threshold: Double = 5, probeWaitHours: Int = 48, maxWarnings: Int = 3, warningIntervalDays: Int = 7,
                successesToReset: Int = 3, policyAlertMin: Int = 3) {
        self.threshold = threshold
        self.probeWait = TimeInterval(probeWaitHours) * 3600
        self.maxWarnings = maxWarnings
        self.warningInterval = TimeInterval(warningIntervalDays) * 86_400
        self.successesToReset = successesToReset
        self.policyAlertMin = policyAlertMin
    }
}
