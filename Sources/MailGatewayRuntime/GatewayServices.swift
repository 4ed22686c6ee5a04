import MailGateway
import MailGatewayHTTP
import ServiceLifecycle

extension GatewayDaemon {
    /// The daemon's services, assembled here and nowhere else; `run()` starts them in one `ServiceGroup` and
    /// stops them together (SIGTERM/SIGINT). A new service (the digest sender, the bounce processor) is one
    /// line here.
    func services() throws -> [any Service] {
        var services: [any Service] = []
        // One watcher per list's mailbox (a failing mailbox never stops the others).
        services += gateway.config.lists.map { MailboxWatcher(gateway: gateway, list: $0, logger: logger, faults: faults) }
        services.append(try outboxSender())
        services.append(MaintenanceService(gateway: gateway, logger: logger))
        services.append(try DigestService(gateway: gateway, logger: logger))
        // The HTTP side (one-click unsubscribe, /healthz, /metrics), only when configured.
        if let http = gateway.config.http {
            if !["127.0.0.1", "::1", "localhost"].contains(http.host) {
                logger.warning("http listener not on loopback: put it behind the reverse proxy (docs/deployment.md)",
                               metadata: ["http.listen": "\(http.host):\(http.port)"])
            }
            services.append(try GatewayHTTPServer.application(gateway: gateway, settings: http, logger: logger))
        }
        return services
    }
}
