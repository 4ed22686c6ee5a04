public import Foundation

/// What `SELECT` tells about a folder (RFC 3501 §6.3.1, §7.3.1).
public struct IMAPMailboxStatus: Sendable, Equatable {
    /// UIDVALIDITY: when it changes, every UID recorded for the folder is void.
    public var uidValidity: UInt32
    /// UIDNEXT: the UID the next message will get (0 when the server did not say).
    public var uidNext: UInt32
    /// How many messages the folder holds.
    public var exists: UInt32

    /// Creates a status value.
    public init(uidValidity: UInt32, uidNext: UInt32, exists: UInt32) {
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.exists = exists
    }
}

/// A message known by its UID, size and arrival date, before its body is fetched.
public struct IMAPMessageInfo: Sendable, Equatable {
    /// The message's UID in the selected folder.
    public var uid: UInt32
    /// RFC822.SIZE: the size of the whole message in bytes, as the server counts it.
    public var size: Int
    /// INTERNALDATE: when the server received the message; nil if the server sent none.
    public var internalDate: Date?

    /// Creates an info value.
    public init(uid: UInt32, size: Int, internalDate: Date?) {
        self.uid = uid
        self.size = size
        self.internalDate = internalDate
    }
}

extension Sequence<IMAPMessageInfo> {
    /// The listed INTERNALDATEs by UID (a message the server gave none for is absent), for
    /// ``IMAPClient/fetchMessages(uids:knownDates:)``.
    public var internalDates: [UInt32: Date] {
        Dictionary(compactMap { info in info.internalDate.map { (info.uid, $0) } }, uniquingKeysWith: { first, _ in first })
    }
}

/// The bytes of one message (whole, or its header section only), as the server stores them.
public struct IMAPFetchedMessage: Sendable, Equatable {
    /// The message's UID in the selected folder.
    public var uid: UInt32
    /// The raw bytes: the whole message for `fetchMessages`, the header section (with its blank line) for
    /// `fetchHeaders`.
    public var bytes: [UInt8]
    /// INTERNALDATE, when the server sent it.
    public var internalDate: Date?

    /// Creates a fetched message value.
    public init(uid: UInt32, bytes: [UInt8], internalDate: Date?) {
        self.uid = uid
        self.bytes = bytes
        self.internalDate = internalDate
    }
}

/// What the server announced it can do, after login (RFC 3501 §7.2.1).
public struct IMAPCapabilities: Sendable, Equatable {
    /// Every capability name, upper-cased (`IMAP4REV1`, `IDLE`, `AUTH=PLAIN`, ...).
    public var names: Set<String>

    /// Creates a capability set from the names the server sent.
    public init(names: some Sequence<String>) {
        self.names = Set(names.map { $0.uppercased() })
    }

    /// IDLE (RFC 2177): the server pushes new-mail notices.
    public var idle: Bool { names.contains("IDLE") }
    /// MOVE (RFC 6851): `UID MOVE` exists.
    public var move: Bool { names.contains("MOVE") }
    /// UIDPLUS (RFC 4315): `UID EXPUNGE` exists and APPEND returns the new UID.
    public var uidPlus: Bool { names.contains("UIDPLUS") }
}

/// A system flag that APPEND can set (RFC 3501 §2.3.2).
public enum IMAPFlag: String, Sendable, CaseIterable {
    /// Read.
    case seen = "\\Seen"
    /// Replied to.
    case answered = "\\Answered"
    /// Marked for attention.
    case flagged = "\\Flagged"
    /// To be removed by the next EXPUNGE.
    case deleted = "\\Deleted"
    /// Not finished.
    case draft = "\\Draft"
}

/// How an IDLE wait ended.
public enum IMAPIdleOutcome: Sendable, Equatable {
    /// The server sent something (usually `EXISTS`: new mail): run a pass over the folder.
    case serverActivity
    /// The timeout passed with no word from the server: re-arm IDLE (RFC 2177 asks for at least every 29 min).
    case timedOut
    /// The wait was interrupted by task cancellation or `IMAPClient.interruptIdle()`.
    case interrupted
}
