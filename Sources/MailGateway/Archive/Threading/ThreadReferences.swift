/// Which references of a message count for threading, and in which order.
///
/// Rule for garbage references: an id is used only if it looks like a msg-id (RFC 5322 §3.6.4: it contains
/// `@`, no white space, at most 250 characters) and is not the message's own id. This drops git-send-email's
/// `References: <yes>` (the bug behind 23 messages of notmuch/lkml: `<yes>` would otherwise join unrelated
/// patch threads into one), `<>` and word salads, while every real id in the corpora contains `@`.
public enum ThreadReferences {
    /// True when `id` can be used as a thread link.
    public static func isUsable(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 250, id.contains("@") else { return false }
        return !id.contains(where: { $0.isWhitespace })
    }

    /// The candidate ancestors of a message, oldest first, the preferred parent last: the usable References
    /// (duplicates removed) with the first usable In-Reply-To id moved (or added) to the end. In-Reply-To wins
    /// when it disagrees with the last reference, as notmuch and mthread do (notmuch/threading/parent-priority;
    /// Dovecot takes the last reference instead).
    public static func chain(messageID: String, inReplyTo: [String], references: [String]) -> [String] {
        var seen: Set<String> = [messageID]
        var chain: [String] = []
        chain.reserveCapacity(references.count + 1)
        let irt = inReplyTo.first(where: { isUsable($0) && $0 != messageID })
        for ref in references where isUsable(ref) && ref != irt && seen.insert(ref).inserted {
            chain.append(ref)
        }
        if let irt { chain.append(irt) }
        return chain
    }
}
