public import Foundation
public import Hummingbird
public import Logging
public import MailGateway
import NIOCore
public import ServiceLifecycle

/// The gateway's HTTP side (docs/http.md), a Hummingbird `Application`: a `Service` the daemon adds to its
/// `ServiceGroup` when `http` is configured (graceful shutdown with the others). Bound to loopback by default, behind
/// the platform's reverse proxy.
///
/// - `GET /lists/<id>/unsubscribe?token=…`: the confirmation page in the member's language (changes nothing);
/// - `POST` the same URL with `List-Unsubscribe=One-Click` (RFC 8058): delivery `none` at once, 200;
/// - `GET /healthz`: JSON, 503 when the database cannot be read;
/// - `GET /metrics`: Prometheus text.
///
/// Neither the token nor the address is logged.
public enum GatewayHTTPServer {
    /// The application serving `gateway` on `settings`' address. `onRunning` gets the bound port (useful with
    /// port 0 in tests).
    /// - Throws: when the page templates cannot be loaded.
    public static func application(gateway: Gateway, settings: HTTPSettings, logger: Logger,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        throws -> some Service {
        let pages = try UnsubscribePages(templatesDirectory: gateway.config.templatesDirectory)
        let router = Router(context: BasicRequestContext.self)
        let unsubscribe = gateway.unsubscribeKey.map {
            OneClickUnsubscribe(lists: gateway.config.lists, key: $0, store: gateway.database)
        }
        let handler = UnsubscribeHandler(service: unsubscribe, pages: pages, logger: logger)
        router.get("lists/:list/unsubscribe") { request, context in
            try await handler.get(request, list: context.parameters.require("list"))
        }
        router.post("lists/:list/unsubscribe") { request, context in
            try await handler.post(request, list: context.parameters.require("list"))
        }
        router.get("healthz") { _, _ in await health(gateway) }
        router.get("metrics") { _, _ in await metrics(gateway) }
        _ = MetricsExport.registry
        return Application(router: router,
                           configuration: .init(address: .hostname(settings.host, port: settings.port),
                                                serverName: nil),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? settings.port) },
                           logger: logger)
    }

    /// `/healthz`: the JSON of `Gateway.health`, 503 when the database cannot be read.
    static func health(_ gateway: Gateway) async -> Response {
        let health = await gateway.health()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let body = (try? encoder.encode(health)) ?? Data("{\"status\":\"degraded\"}".utf8)
        return Response(status: health.isHealthy ? .ok : .serviceUnavailable,
                        headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `/metrics`: the outbox gauges are read now, then every metric is written as Prometheus text.
    static func metrics(_ gateway: Gateway) async -> Response {
        // A database that cannot be read leaves the gauges as last read; /healthz says why.
        try? await gateway.recordOutboxGauges()
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8",
                                               .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: MetricsExport.text())))
    }
}
