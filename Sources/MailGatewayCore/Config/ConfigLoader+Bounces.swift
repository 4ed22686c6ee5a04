import Foundation

extension ConfigLoader {
    /// The `bounces` object (every key optional; docs/configuration.md).
    package func bounceSettings(_ value: Any?, problems: inout [ConfigProblem]) -> BounceSettings {
        guard var r = JSONObjectReader(value, path: "$.bounces", problems: &problems, required: false) else { return .init() }
        let d = BounceSettings()
        var s = BounceSettings(
            probeWaitHours: r.int("probe_wait_hours", required: false, range: 1...720) ?? Int(d.probeWait / 3600),
            maxWarnings: r.int("warnings", required: false, range: 0...10) ?? d.maxWarnings,
            warningIntervalDays: r.int("warning_interval_days", required: false, range: 1...90)
                ?? Int(d.warningInterval / 86_400),
            successesToReset: r.int("successes_to_reset", required: false, range: 1...100) ?? d.successesToReset,
            policyAlertMin: r.int("policy_alert_min", required: false, range: 1...10_000) ?? d.policyAlertMin)
        if let threshold = r.int("threshold", required: false, range: 1...100) { s.threshold = Double(threshold) }
        r.finish(into: &problems)
        return s
    }
}
