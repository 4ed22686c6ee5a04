public import Prometheus
import Metrics

/// The process's Prometheus registry: the first use bootstraps swift-metrics with a factory writing into it (once
/// per process, as `MetricsSystem.bootstrap` requires), so that every `GatewayMetrics` call from then on is
/// counted and `/metrics` exports it.
public enum MetricsExport {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The Prometheus text exposition (version 0.0.4) of every metric.
    public static func text() -> [UInt8] { registry.emitToBuffer() }
}
