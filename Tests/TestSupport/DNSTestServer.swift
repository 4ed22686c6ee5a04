public import Foundation

/// A tiny authoritative DNS server on 127.0.0.1 (UDP, a free port) for the DMARC lookup tests: a Python script
/// run with Debian's /usr/bin/python3 that answers TXT queries from a fixed zone. Names not in the zone get
/// NXDOMAIN; names listed in `servfail` get SERVFAIL; names in `silent` get no answer at all (a timeout).
/// Each query it receives is logged (one line, `qname qtype`) to `queries`.
public final class DNSTestServer: Sendable {
    public let port: Int
    private let child: RunningChild

    /// One TXT record set: the texts (each may be split into several character-strings by the server when
    /// longer than 255 bytes) and their TTL.
    public struct Records: Sendable {
        public var texts: [String]
        public var ttl: Int
        public init(_ texts: [String], ttl: Int = 300) {
            self.texts = texts
            self.ttl = ttl
        }
    }

    /// Starts the server; `zone` maps a lower-case name without trailing dot to its TXT records.
    public static func start(zone: [String: Records], servfail: [String] = [], silent: [String] = []) async throws -> DNSTestServer {
        let zoneJSON: [String: Any] = [
            "txt": zone.mapValues { ["texts": $0.texts, "ttl": $0.ttl] as [String: Any] },
            "servfail": servfail, "silent": silent,
        ]
        let data = try JSONSerialization.data(withJSONObject: zoneJSON)
        let child = try ChildProcess.spawn("/usr/bin/python3", ["-u", "-c", script, String(decoding: data, as: UTF8.self)])
        // 120 s: a bound for a loaded 2-core machine (Python's start took more than 10 s once, in a clean clone's
        // run beside another job), not a speed.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let line = child.output.split(separator: "\n").first(where: { $0.hasPrefix("port ") }),
               let port = Int(line.dropFirst(5)) {
                return DNSTestServer(port: port, child: child)
            }
            // Suspended, not blocking: a `Thread.sleep` here held one of the cooperative pool's threads (2 on the
            // 2-core CI machine) from every other test while Python started.
            try await Task.sleep(for: .milliseconds(50))
        }
        child.signal()
        _ = await child.waitOffPool()
        throw ChildProcessError(command: "python3 dns server", output: child.output)
    }

    private init(port: Int, child: RunningChild) {
        self.port = port
        self.child = child
    }

    /// The queries received so far, as `name TYPE` lines.
    public var queries: [String] {
        child.output.split(separator: "\n").filter { $0.hasPrefix("query ") }.map { String($0.dropFirst(6)) }
    }

    /// `127.0.0.1:<port>`, for `DNSResolver(nameserver:)`.
    public var address: String { "127.0.0.1:\(port)" }

    /// Stops the server.
    public func stop() {
        child.signal()
        _ = child.wait()
    }

    static let script = #"""
import json, socket, struct, sys
zone = json.loads(sys.argv[1])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
print("port %d" % sock.getsockname()[1], flush=True)
def name_at(data, offset):
    labels = []
    while True:
        length = data[offset]
        offset += 1
        if length == 0:
            return ".".join(labels), offset
        labels.append(data[offset:offset + length].decode("ascii", "replace"))
        offset += length
while True:
    data, peer = sock.recvfrom(4096)
    ident, flags, qd = struct.unpack(">HHH", data[:6])
    qname, end = name_at(data, 12)
    qtype, qclass = struct.unpack(">HH", data[end:end + 4])
    question = data[12:end + 4]
    key = qname.lower().rstrip(".")
    print("query %s %d" % (key, qtype), flush=True)
    if key in zone["silent"]:
        continue
    answers = b""
    count = 0
    rcode = 0
    if key in zone["servfail"]:
        rcode = 2
    elif key in zone["txt"]:
        if qtype == 16:
            entry = zone["txt"][key]
            for text in entry["texts"]:
                raw = text.encode()
                chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
                rdata = b"".join(bytes([len(c)]) + c for c in chunks)
                answers += b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, entry["ttl"], len(rdata)) + rdata
                count += 1
    else:
        rcode = 3
    header = struct.pack(">HHHHHH", ident, 0x8400 | (flags & 0x0100) | rcode, 1, count, 0, 0)
    sock.sendto(header + question + answers, peer)
"""#
}
