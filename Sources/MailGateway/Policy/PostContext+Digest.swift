import Foundation

extension PostContext {
    /// Whether `message` answers one of our digests as a whole: a Message-ID of a digest of one of `lists` in its
    /// In-Reply-To or References (`digest.<issue>.<list id>@<the list's domain>`, or `….<part>@`), or a reply
    /// marker before a digest subject (`[tag] Digest <n>, …`, `Resumen` in Spanish; see
    /// `templates/*/digest-subject.txt.mustache`). Pure: the rule reads the answer from the context.
    public static func repliesToDigest(_ message: ParsedMessage, lists: [ListConfig]) -> Bool {
        // Only ids naming `digest.` can be a digest's; the others skip Foundation's trimming and lower-casing
        // (2 % of an ingest in `perf`, run on every message).
        let ids = (message.inReplyTo + message.references).filter(mentionsDigest).map {
            $0.trimmingCharacters(in: .init(charactersIn: "<> ")).lowercased()
        }
        if ids.contains(where: { isDigestMessageID($0, lists: lists) }) { return true }
        // A digest subject's base starts with `digest ` or `resumen `, so the subject holds either word in some
        // ASCII case (lower-casing gives ASCII letters only from ASCII, the Kelvin sign aside, in neither word):
        // the others skip the normalization.
        guard HeaderScan.containsIgnoringCase(message.subject, "digest")
            || HeaderScan.containsIgnoringCase(message.subject, "resumen") else { return false }
        let subject = SubjectNormalizer.normalize(message.subject)
        return subject.isReply && isDigestSubject(subject.base)
    }

    /// `digest.<issue>.<list id>[.<part>]@<domain>` of one of `lists` (lower-cased).
    static func isDigestMessageID(_ id: String, lists: [ListConfig]) -> Bool {
        let (local, domain) = MailAddress.split(id)
        guard let domain, local.hasPrefix("digest.") else { return false }
        let rest = local.dropFirst("digest.".count)
        guard let dot = rest.firstIndex(of: "."), rest[..<dot].allSatisfy({ $0.isNumber }), dot > rest.startIndex
        else { return false }
        let tail = rest[rest.index(after: dot)...]
        return lists.contains { list in
            let listID = list.id.lowercased()
            guard MailAddress.split(list.address.lowercased()).domain == domain, tail.hasPrefix(listID) else {
                return false
            }
            let part = tail.dropFirst(listID.count)
            return part.isEmpty || (part.first == "." && part.count > 1 && part.dropFirst().allSatisfy(\.isNumber))
        }
    }

    /// A base subject (``SubjectNormalizer``: tags stripped, lower case) that starts as a digest's: `digest <n>,`
    /// or `resumen <n>,`.
    static func isDigestSubject(_ base: String) -> Bool {
        for word in ["digest ", "resumen "] where base.hasPrefix(word) {
            let rest = base.dropFirst(word.count)
            let digits = rest.prefix { $0.isNumber }
            return !digits.isEmpty && rest.dropFirst(digits.count).first == ","
        }
        return false
    }

    /// Whether `id` contains `digest.` in any ASCII case.
    static func mentionsDigest(_ id: String) -> Bool {
        HeaderScan.containsIgnoringCase(id, "digest.")
    }

}
