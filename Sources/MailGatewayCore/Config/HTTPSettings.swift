/// The gateway's small HTTP side (`http` in the configuration; docs/http.md): one-click unsubscribe (RFC 8058),
/// `/healthz` and `/metrics`. Absent: no listener, and copies advertise no https unsubscribe link.
public struct HTTPSettings: Sendable, Codable, Equatable {
    /// Address the listener binds: loopback by default (the platform's reverse proxy is in front).
    public var host: String
    public var port: Int
    /// The public `https://` URL under which the reverse proxy serves this listener (no trailing slash): copies'
    /// one-click links are `<public_base_url>/lists/<id>/unsubscribe?token=…`. Nil: no one-click link advertised.
    public var publicBaseURL: String?

    /// `127.0.0.1:8025`, no public URL.
    public init(host: String = "127.0.0.1", port: Int = 8025, publicBaseURL: String? = nil) {
        self.host = host
        self.port = port
        self.publicBaseURL = publicBaseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// `host:port` or `[v6]:port` as written in `listen`; nil when it is neither.
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace), let port = Int(portText), (0...65_535).contains(port)
        else { return nil }
        return (String(host), port)
    }
}

extension ConfigLoader {
    /// The `http` object: `listen` (default `127.0.0.1:8025`) and `public_base_url` (https, optional).
    package func httpSettings(_ value: Any?, problems: inout [ConfigProblem]) -> HTTPSettings? {
        guard value != nil, var r = JSONObjectReader(value, path: "$.http", problems: &problems) else { return nil }
        let listen = r.string("listen", required: false) ?? "127.0.0.1:8025"
        let parsed = HTTPSettings.parseListen(listen)
        if parsed == nil { r.fail("listen", "\"\(listen)\" is not host:port (e.g. 127.0.0.1:8025 or [::1]:8025)") }
        let base = r.string("public_base_url", required: false)
        if let base, !base.hasPrefix("https://") || base.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" }) {
            r.fail("public_base_url", "must be an https:// URL without query (RFC 8058 links are https)")
        }
        r.finish(into: &problems)
        return HTTPSettings(host: parsed?.host ?? "127.0.0.1", port: parsed?.port ?? 8025, publicBaseURL: base)
    }
}
