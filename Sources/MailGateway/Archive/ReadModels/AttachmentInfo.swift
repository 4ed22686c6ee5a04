/// An attachment's description (its content is in ``ArchiveQueries/attachmentData(_:sha256:)``).
public struct AttachmentInfo: Sendable, Codable, Hashable {
    /// 0-based position among the message's attachments.
    public var position: Int
    /// Decoded file name, if any.
    public var filename: String?
    /// `type/subtype`, lower-cased.
    public var contentType: String
    /// Size in bytes.
    public var size: Int
    /// SHA-256 of the decoded content, hex (the key of ``ArchiveQueries/attachmentData(_:sha256:)``).
    public var sha256: String
    /// Content-ID without angle brackets.
    public var contentID: String?
    /// True for inline parts.
    public var isInline: Bool
}
