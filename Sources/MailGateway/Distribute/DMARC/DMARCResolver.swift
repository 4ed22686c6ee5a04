public import Foundation
import Synchronization

/// Where a DMARC answer came from.
public enum DMARCSource: String, Sendable, Equatable {
    /// The author domain's own `_dmarc` record (`p=`), or its absence confirmed by DNS.
    case domain
    /// The organizational domain's record (`sp=`, else `p=`; RFC 7489 §6.6.3 step 3).
    case organizationalDomain
    /// DNS failed (timeout, SERVFAIL): the configured list of strict domains answered.
    case fallbackList
}

/// A domain's DMARC policy as the gateway decided it, and how.
public struct DMARCResolution: Sendable, Equatable {
    /// The policy in force; nil when none is published.
    public var policy: DMARCPolicy?
    public var source: DMARCSource
    /// Until when the answer is reused (the record's TTL, clamped).
    public var expires: Date
}

/// The author domain's published DMARC policy, looked up in DNS and cached (RFC 7489 §6.6.3):
/// 1. TXT at `_dmarc.<domain>`; exactly one text starting `v=DMARC1` is the record (`DMARCRecord.select`).
/// 2. Without one, TXT at `_dmarc.<organizational domain>` (`OrganizationalDomain`), whose `sp=` (else `p=`)
///    applies to its subdomains.
/// 3. When DNS fails (no answer within the resolver's timeout, SERVFAIL), the configured strict-domain list
///    answers instead (`fallback`), and that answer is kept only `failureTTL`.
///
/// Answers are cached for the record's TTL (clamped to `minimumTTL`…`maximumTTL`); a domain with no record is
/// remembered `negativeTTL`. The composition of copies happens inside a database transaction and does no I/O:
/// it reads the cache through `lookup`, so callers `resolve` the author's domain before the transaction
/// (`MailboxSync` does, for every message of a list whose `from_rewrite` is `dmarc` that may be distributed). An expired DNS answer is
/// still used by `lookup` (better than the list) until the next `resolve` replaces it; a domain never resolved
/// (e.g. a post approved after a restart) gets the fallback list.
public final class DMARCResolver: Sendable {
    private let resolver: any TXTResolving
    private let fallback: DMARCLookup
    private let clock: @Sendable () -> Date
    private let cache = Mutex<[String: DMARCResolution]>([:])

    public let minimumTTL: TimeInterval = 60
    public let maximumTTL: TimeInterval = 86_400
    public let negativeTTL: TimeInterval = 3_600
    public let failureTTL: TimeInterval = 300
    /// Beyond this many cached domains, expired entries are dropped (and all, if that is not enough).
    public let capacity = 10_000

    /// - Parameters:
    ///   - resolver: answers TXT queries (`DNSResolver`, or a stub in tests).
    ///   - fallback: used when DNS fails (the `dmarc_strict_domains` list).
    ///   - clock: the current time (injectable for the TTL tests).
    public init(resolver: any TXTResolving, fallback: DMARCLookup,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.resolver = resolver
        self.fallback = fallback
        self.clock = clock
    }

    /// The policy of `domain`, from the cache while fresh, else from DNS (then cached).
    @discardableResult
    public func resolve(_ domain: String) async -> DMARCResolution {
        if let cached = fresh(domain) { return cached }
        let key = Self.key(domain)
        let now = clock()
        let resolution = await lookUp(key, now: now)
        cache.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.expires > now }
                if entries.count >= capacity { entries.removeAll() }
            }
            entries[key] = resolution
        }
        return resolution
    }

    /// The cached answer for `domain` while it is fresh (what ``resolve(_:)`` returns without a query), else nil.
    public func fresh(_ domain: String) -> DMARCResolution? {
        let now = clock()
        guard let cached = cache.withLock({ $0[Self.key(domain)] }), cached.expires > now else { return nil }
        return cached
    }

    /// What composing reads, with no I/O: the cached answer (even expired, unless it came from the fallback list),
    /// else the fallback list.
    public var lookup: DMARCLookup {
        DMARCLookup { [self] domain in
            let key = Self.key(domain)
            if let cached = cache.withLock({ $0[key] }),
               cached.source != .fallbackList || cached.expires > clock() {
                return cached.policy
            }
            return fallback.policy(key)
        }
    }

    private func lookUp(_ domain: String, now: Date) async -> DMARCResolution {
        switch await resolver.txt("_dmarc.\(domain)") {
        case .records(let texts, let ttl):
            if let record = DMARCRecord.select(texts) {
                return DMARCResolution(policy: record.policy, source: .domain, expires: now + clamp(ttl))
            }
        case .none:
            break
        case .failure:
            return DMARCResolution(policy: fallback.policy(domain), source: .fallbackList, expires: now + failureTTL)
        }
        let organizational = OrganizationalDomain.of(domain)
        guard organizational != domain else {
            return DMARCResolution(policy: nil, source: .domain, expires: now + negativeTTL)
        }
        switch await resolver.txt("_dmarc.\(organizational)") {
        case .records(let texts, let ttl):
            if let record = DMARCRecord.select(texts) {
                return DMARCResolution(policy: record.subdomainPolicy ?? record.policy, source: .organizationalDomain,
                                       expires: now + clamp(ttl))
            }
            return DMARCResolution(policy: nil, source: .organizationalDomain, expires: now + negativeTTL)
        case .none:
            return DMARCResolution(policy: nil, source: .organizationalDomain, expires: now + negativeTTL)
        case .failure:
            return DMARCResolution(policy: fallback.policy(domain), source: .fallbackList, expires: now + failureTTL)
        }
    }

    private func clamp(_ ttl: UInt32) -> TimeInterval {
        min(maximumTTL, max(minimumTTL, TimeInterval(ttl)))
    }

    static func key(_ domain: String) -> String {
        var key = domain.lowercased()
        while key.hasSuffix(".") { key.removeLast() }
        return key
    }
}
