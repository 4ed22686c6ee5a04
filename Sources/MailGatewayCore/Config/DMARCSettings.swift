/// How the gateway learns an author domain's DMARC policy (`from_rewrite: dmarc`), the `dmarc` object.
public struct DMARCSettings: Sendable, Codable, Equatable {
    /// Look policies up in DNS (`_dmarc.<domain>` TXT). False: only `dmarc_strict_domains` is used.
    public var dns: Bool
    /// Seconds per DNS try (two tries per server).
    public var timeoutSeconds: Int
    /// The resolver to ask (`ip` or `ip:port`, IPv4) instead of those of /etc/resolv.conf.
    public var nameserver: String?

    public init(dns: Bool = true, timeoutSeconds: Int = 2, nameserver: String? = nil) {
        self.dns = dns
        self.timeoutSeconds = timeoutSeconds
        self.nameserver = nameserver
    }

    /// True for `a.b.c.d` or `a.b.c.d:port`.
    public static func isNameserver(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        if parts.count == 2 { guard let port = Int(parts[1]), (1...65_535).contains(port) else { return false } }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { $0.count <= 3 && UInt8($0) != nil }
    }
}
