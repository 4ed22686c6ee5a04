/// Which references of a message count for threading, and in which order.
///
/// Rule for garbage references: an id is used only if it looks like a msg-id (RFC 5322 §3.6.4: it contains
/// `@`, no white space, at most 250 characters) and is not the message's own id. This drops git-send-email's
/// `References: <yes>` (the bug behind 23 messages of notmuch/lkml: `<yes>` would otherwise join unrelated
/// patch threads into one), `<>` and word salads, while every real id in the corpora contains `@`.
///
/// Ids written without angle brackets are not msg-ids either: when the raw `In-Reply-To` (or `References`)
/// field holds no `<`, its ids are ignored. HyperKitty's web form writes such a bare `In-Reply-To` (40 of the
/// 366 usrp-users messages); notmuch, mthread and Dovecot all ignore it, and following it would merge 38
/// consensus threads (the subject fallback re-joins most of them at the thread level, without a parent).
public enum ThreadReferences {
    /// The `In-Reply-To` and `References` ids of `parsed` that count as msg-ids (see the type's rule on angle
    /// brackets; a message built without raw header fields keeps all its ids).
    public static func bracketed(_ parsed: ParsedMessage) -> (inReplyTo: [String], references: [String]) {
        guard !parsed.headers.isEmpty else { return (parsed.inReplyTo, parsed.references) }
        func keep(_ name: String, _ ids: [String]) -> [String] {
            guard !ids.isEmpty else { return ids }
            return parsed.headerValues(name).contains(where: { $0.utf8.contains(UInt8(ascii: "<")) }) ? ids : []
        }
        return (keep("In-Reply-To", parsed.inReplyTo), keep("References", parsed.references))
    }

    /// True when `id` can be used as a thread link.
    public static func isUsable(_ id: String) -> Bool {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= 250 else { return false }
        // Byte scan (this runs for every reference of every message): ASCII white space refuses, `@` is required;
        // an id with non-ASCII bytes takes the Unicode-aware path for white space such as U+00A0.
        var hasAt = false
        var ascii = true
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "@"): hasAt = true
            case 0x09...0x0D, 0x20: return false
            case 0x80...: ascii = false
            default: break
            }
        }
        guard hasAt else { return false }
        return ascii || !id.contains(where: { $0.isWhitespace })
    }

    /// How many ids of a message count for threading: the last `limit` References and the first `limit`
    /// In-Reply-To ids. A reference names an ancestor, the nearest last: the last 20 reach the parent and well
    /// beyond it (no message of the corpora has more than 22), and a message can no longer make the archive
    /// write one thread node per id it lists (100,000 ids, 100,000 rows).
    public static let limit = 20

    /// The In-Reply-To and References ids that count for threading (and are stored with the message): ids
    /// without white space, the first ``limit`` In-Reply-To ids and the last ``limit`` References.
    /// ``chain(messageID:inReplyTo:references:)`` gives the same result for these as for the full lists.
    public static func bounded(inReplyTo: [String], references: [String]) -> (inReplyTo: [String], references: [String]) {
        // A byte scan: `contains(" ")` is Foundation's substring search, ~1 % of the ingest writer (stop 21).
        func spaceless(_ id: String) -> Bool { !id.utf8.contains(0x20) }
        var irt: [String] = []
        for id in inReplyTo where spaceless(id) {
            irt.append(id)
            if irt.count == limit { break }
        }
        var refs: [String] = []
        for id in references.reversed() where spaceless(id) {
            refs.append(id)
            if refs.count == limit { break }
        }
        return (irt, refs.reversed())
    }

    /// The candidate ancestors of a message, oldest first, the preferred parent last: the usable References
    /// among the last ``limit`` (duplicates removed) with the first usable In-Reply-To id (among the first
    /// ``limit``) moved (or added) to the end. In-Reply-To wins when it disagrees with the last reference, as
    /// notmuch and mthread do (notmuch/threading/parent-priority; Dovecot takes the last reference instead).
    /// At most ``limit`` + 1 ids, whatever the size of the lists.
    public static func chain(messageID: String, inReplyTo: [String], references: [String]) -> [String] {
        let ids = bounded(inReplyTo: inReplyTo, references: references)
        var seen: Set<String> = [messageID]
        var chain: [String] = []
        chain.reserveCapacity(ids.references.count + 1)
        let irt = ids.inReplyTo.first(where: { isUsable($0) && $0 != messageID })
        for ref in ids.references where isUsable(ref) && ref != irt && seen.insert(ref).inserted {
            chain.append(ref)
        }
        if let irt { chain.append(irt) }
        return chain
    }
}
