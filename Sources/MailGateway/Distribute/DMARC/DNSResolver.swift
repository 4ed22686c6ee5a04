import Foundation
import CResolv

/// What a TXT query found.
public enum TXTAnswer: Sendable, Equatable {
    /// The texts of the TXT records at the name (each record's character-strings joined), and the smallest TTL.
    case records([String], ttl: UInt32)
    /// The name does not exist (NXDOMAIN) or has no TXT record (NODATA): a definite answer.
    case none
    /// No answer: timeout, SERVFAIL, refused, malformed reply. The caller falls back.
    case failure(String)
}

/// Anything that answers TXT queries: `DNSResolver` (libresolv), or a test's stub.
public protocol TXTResolving: Sendable {
    func txt(_ name: String) async -> TXTAnswer
}

/// TXT queries with glibc's stub resolver (`res_nquery(3)`, answers read with `ns_initparse`/`ns_parserr`).
///
/// One owner for the C handle: the actor owns its own `res_state` (never the thread-global `_res`), created by
/// `res_ninit` from /etc/resolv.conf (or pointed at one server), freed in `deinit`. The calls block (up to
/// `timeout` × `attempts` per server), so the actor runs on a serial queue of its own (`SerialQueueExecutor`),
/// never on the cooperative pool, like the IMAP and SMTP clients.
public actor DNSResolver: TXTResolving {
    private let executor: SerialQueueExecutor
    private let handle: ResolverHandle

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// - Parameters:
    ///   - nameserver: `ip` or `ip:port` (IPv4) to ask instead of those of /etc/resolv.conf.
    ///   - timeout: seconds per try (res_state `retrans`), at least 1.
    ///   - attempts: tries per server (res_state `retry`).
    public init(nameserver: String? = nil, timeout: Int = 2, attempts: Int = 2) throws(DNSResolverError) {
        executor = SerialQueueExecutor(queue: DispatchQueue(label: "mailgateway.dns"))
        guard let state = cresolv_new() else { throw DNSResolverError(reason: "res_ninit: out of memory") }
        let handle = ResolverHandle(state)
        cresolv_set_timeout(state, Int32(max(1, timeout)), Int32(max(1, attempts)))
        if let nameserver {
            let (host, port) = Self.split(nameserver)
            guard cresolv_set_nameserver(state, host, Int32(port)) == 0 else {
                throw DNSResolverError(reason: "not an IPv4 address with an optional port: \(nameserver)")
            }
        }
        self.handle = handle
    }

    /// `ip:port` → (ip, port); `ip` → (ip, 53).
    static func split(_ server: String) -> (String, Int) {
        guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]) else {
            return (server, 53)
        }
        return (String(server[..<colon]), port)
    }

    /// The TXT records at `name`.
    public func txt(_ name: String) -> TXTAnswer {
        let state = handle.state
        var answer = [UInt8](repeating: 0, count: 8192)
        let length = name.withCString { cName in
            answer.withUnsafeMutableBufferPointer { cresolv_query(state, cName, Int32(ns_t_txt.rawValue), $0.baseAddress, Int32($0.count)) }
        }
        guard length >= 0 else {
            switch cresolv_h_errno(state) {
            case HOST_NOT_FOUND, NO_DATA: return .none
            case TRY_AGAIN: return .failure("no answer (timeout or server failure)")
            default: return .failure("query refused or failed (h_errno \(cresolv_h_errno(state)))")
            }
        }
        return Self.records(in: Array(answer.prefix(Int(min(length, Int32(answer.count))))))
    }

    /// The TXT records of the answer section of a DNS reply (`ns_initparse`, `ns_parserr`).
    static func records(in message: [UInt8]) -> TXTAnswer {
        var handle = ns_msg()
        let parsed = message.withUnsafeBufferPointer { buffer in
            cresolv_parse(buffer.baseAddress, Int32(buffer.count), &handle)
        }
        guard parsed == 0 else { return .failure("malformed DNS reply") }
        var texts: [String] = []
        var ttl = UInt32.max
        for index in 0..<cresolv_answer_count(&handle) {
            var record = ns_rr()
            guard cresolv_answer(&handle, index, &record) == 0 else { return .failure("malformed DNS record") }
            guard record.type == UInt16(ns_t_txt.rawValue), let rdata = record.rdata else { continue }
            let bytes = Array(UnsafeBufferPointer(start: rdata, count: Int(record.rdlength)))
            texts.append(Self.text(ofTXT: bytes))
            ttl = min(ttl, record.ttl)
        }
        return texts.isEmpty ? .none : .records(texts, ttl: ttl)
    }

    /// A TXT record's RDATA: length-prefixed character-strings, joined (RFC 7489 §6.6.3 treats a record split
    /// into several strings as one text).
    static func text(ofTXT rdata: [UInt8]) -> String {
        var bytes: [UInt8] = []
        var index = 0
        while index < rdata.count {
            let count = Int(rdata[index])
            let end = min(rdata.count, index + 1 + count)
            bytes.append(contentsOf: rdata[(index + 1)..<end])
            index = end
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Owns one `res_state`: freed (`res_nclose`, `free`) when the resolver goes. Not Sendable: only its actor
/// touches it.
final class ResolverHandle {
    let state: res_state

    init(_ state: res_state) {
        self.state = state
    }

    deinit {
        cresolv_free(state)
    }
}

/// The resolver could not be set up.
public struct DNSResolverError: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { "DNS resolver: \(reason)" }
}
