
/// What the policy stage decided for a message. Archive views (threads, search, exports) show `accepted`
/// messages only; the others are kept for the operator.
public enum ArchiveStatus: String, Sendable, Codable, CaseIterable {
    /// Accepted for the list: shown in the archive and distributed.
    case accepted
    /// Held for moderation.
    case held
    /// Rejected (a notice was sent to the sender).
    case rejected
    /// Discarded silently (spam, loops, auto-replies).
    case discarded
    /// A delivery status notification or other bounce.
    case bounce

    /// Rejected, discarded or a bounce: a decision no moderator revisits, so the message is never threaded nor
    /// indexed later. It shares its list's unlisted thread (``ThreadingEngine/unlistedThread(_:list:subject:status:)``),
    /// and a post from a stranger so decided on its header is archived without its body
    /// (``IngestPipeline/bodyMatters(_:route:)``).
    public var isRefusal: Bool {
        switch self {
        case .rejected, .discarded, .bounce: true
        case .accepted, .held: false
        }
    }
}

/// Where an archived message came from.
public enum ArchiveSource: Sendable, Hashable, Codable {
    /// Fetched from the list's IMAP mailbox: the mailbox's UIDVALIDITY and the message UID.
    case imap(uidValidity: UInt32, uid: UInt32)
    /// Imported from an mbox file (`mailgateway archive import`).
    case `import`

    /// The value of the `source` column: `imap` or `import`.
    public var kind: String {
        switch self {
        case .imap: "imap"
        case .import: "import"
        }
    }
}

/// The outcome of ``ArchiveWriter/archive(_:list:raw:parsed:fallbackDate:status:decisionRule:source:receivedAt:)``.
public enum ArchiveInsertResult: Sendable, Hashable {
    /// The message was stored with this row id and belongs to this thread.
    case inserted(messageRowID: Int64, threadID: Int64)
    /// The list already holds a message with the same Message-ID (this row); nothing was written.
    case duplicate(existingRowID: Int64)
}

/// An archive error with context; it never carries addresses or message bodies.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in words an operator understands.
    public var reason: String
    /// The file or database path concerned, if any.
    public var path: String?

    /// Creates an error.
    public init(_ reason: String, path: String? = nil) {
        self.reason = reason
        self.path = path
    }

    /// A short description for logs.
    /// A short description for logs (no addresses or bodies).
    public var description: String {
        if let path { "archive: \(reason) (\(path))" } else { "archive: \(reason)" }
    }
}
