public import Foundation
import MailGateway

/// The parse stage and the posting chain alone, over the messages of an mbox (`mailgateway bench parse` and
/// `bench policy`, bench/ingest.sh): figures, no assertion. The best of `passes` runs is kept.
public enum StageBenchmark {
    /// What `parse` measured.
    public struct ParseReport: Sendable {
        public var messages: Int
        public var bytes: Int
        /// The fastest pass, in seconds.
        public var best: Double
        /// Messages the parser refused.
        public var unparsed: Int
    }

    /// What `parse` measured, as `bench parse` prints it.
    public static func line(_ r: ParseReport) -> String {
        String(format: "PARSE messages=%d bytes=%d best=%.3fs rate=%.0f/s (%.1f MB/s) unparsed=%d",
               r.messages, r.bytes, r.best, Double(r.messages) / r.best, Double(r.bytes) / r.best / 1e6, r.unparsed)
    }

    /// What `policy` measured, as `bench policy` prints it.
    public static func line(_ r: PolicyReport) -> String {
        String(format: "POLICY spoofing=%@ messages=%d best=%.4fs per-message=%.2fµs", r.spoofing ? "on" : "off",
               r.messages, r.best, r.best / Double(max(1, r.messages)) * 1e6)
            + " actions=" + r.actions.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
    }

    /// What `policy` measured, with or without the spoofing rule.
    public struct PolicyReport: Sendable {
        /// True when the Authentication-Results headers are read (a trusted authserv-id is configured).
        public var spoofing: Bool
        public var messages: Int
        /// The fastest pass, in seconds.
        public var best: Double
        /// Decisions by action.
        public var actions: [String: Int]
    }

    /// Parses every message of `mbox` (.gz allowed), `passes` times.
    /// `headersOnly`: ``MessageParser/parseHeaders(_:)`` instead (what the ingest does first, and all it does for a
    /// stranger's post that its list rejects).
    public static func parse(mbox: URL, passes: Int, headersOnly: Bool = false) throws -> ParseReport {
        let messages = try load(mbox)
        var best = Double.infinity
        var failed = 0
        for _ in 0..<max(1, passes) {
            let start = ContinuousClock.now
            failed = 0
            for raw in messages
            where (try? headersOnly ? MessageParser.parseHeaders(raw) : MessageParser.parse(raw)) == nil { failed += 1 }
            best = min(best, RawFetchBenchmark.seconds(ContinuousClock.now - start))
        }
        return ParseReport(messages: messages.count, bytes: messages.reduce(0) { $0 + $1.count }, best: best,
                           unparsed: failed)
    }

    /// The posting chain's cost per message (issue 3 §6), on parsed real mail: once without, once with the
    /// spoofing rule reading Authentication-Results.
    /// - Parameter spoofing: only the run with (true) or without (false) the spoofing rule; nil: both.
    public static func policy(mbox: URL, passes: Int, spoofing: Bool? = nil) throws -> [PolicyReport] {
        // An archive's messages carry the fields their list added on distribution; a list mailbox receives
        // posts before that: drop them, or the `auto-reply` rule discards nearly everything as another list's.
        let listFields: Set<String> = ["list-id", "list-post", "list-help", "list-archive", "list-unsubscribe",
                                       "list-subscribe", "precedence", "x-mailing-list", "list-owner"]
        let parsed = try load(mbox).compactMap { raw -> (ParsedMessage, Int)? in
            guard var message = try? MessageParser.parse(raw) else { return nil }
            message.headers.removeAll { listFields.contains($0.name.lowercased()) }
            return (message, raw.count)
        }
        let list = ListConfig(id: "college-research", kind: .college, college: .research,
                              name: LocalizedName(fr: "Recherche", en: "Research"), address: "college-research@lists.example.org",
                              language: .fr, mailbox: MailboxConfig(user: "r"))
        let partner = SenderIdentity(personID: 1, name: "P", language: .fr,
                                     organisation: Organisation(id: 1, name: "INRAE", country: "France", college: .research, isFunder: false),
                                     roles: ["college-research": .member])
        // Half the senders are entitled partners, half unknown; with and without a trusted authserv-id (the
        // spoofing rule parses every Authentication-Results header; here none is trusted, so posts are held).
        let variants: [String?] = [nil, "mx.lists.example.org"].filter { spoofing == nil || ($0 != nil) == spoofing }
        return variants.map { (authserv: String?) in
            let contexts = parsed.enumerated().map { i, p in
                PostContext(message: p.0, rawSize: p.1, list: list, sender: i % 2 == 0 ? partner : nil, lists: [list],
                            ownListIDs: ["college-research.lists.example.org"],
                            ownAddresses: ["college-research@lists.example.org"], trustedAuthservID: authserv)
            }
            let chain = PolicyChain.standard
            var best = Double.infinity
            var actions: [String: Int] = [:]
            for _ in 0..<max(1, passes) {
                actions = [:]
                let start = ContinuousClock.now
                for context in contexts { actions[chain.decide(context).action.rawValue, default: 0] += 1 }
                best = min(best, RawFetchBenchmark.seconds(ContinuousClock.now - start))
            }
            return PolicyReport(spoofing: authserv != nil, messages: contexts.count, best: best, actions: actions)
        }
    }

    static func load(_ url: URL) throws -> [[UInt8]] {
        let reader = try MboxReader(url: url)
        var messages: [[UInt8]] = []
        while let message = try reader.next() { messages.append(message.raw) }
        return messages
    }
}
