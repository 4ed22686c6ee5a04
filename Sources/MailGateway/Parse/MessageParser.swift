internal import Crypto
internal import Foundation

/// The parse stage: raw RFC 5322 / MIME bytes to a ``ParsedMessage``, with libetpan doing the RFC work
/// (`mailmime_parse`, `mailimf_*`, `mailmime_encoded_phrase_parse`, `charconv_buffer`, `mailmime_part_parse`).
///
/// It throws only when nothing usable can be extracted (empty input, no header field at all); every other
/// defect (bad address, unknown charset, broken MIME) is listed in ``ParsedMessage/problems``.
/// Pure function: no state, safe to call from any thread.
public enum MessageParser {
    /// The domain of synthetic Message-IDs given to messages that have none.
    public static let syntheticIDDomain = "synthetic.mailgateway.invalid"

    /// Parses one raw message.
    /// - Throws: ``MessageParseError`` when the input is empty, has no header section, or has a MIME
    ///   structure beyond `limits` (checked by a linear pre-scan before libetpan sees it).
    public static func parse(_ raw: [UInt8]) throws(MessageParseError) -> ParsedMessage {
        try parse(raw, limits: .standard)
    }

    static func parse(_ raw: [UInt8], limits: MIMELimits, headersOnly: Bool = false) throws(MessageParseError)
        -> ParsedMessage {
        if raw.isEmpty { throw MessageParseError(.emptyInput, offset: 0) }
        let result: Result<ParsedMessage, MessageParseError> = raw.withUnsafeBufferPointer {
            parse(buffer: $0, limits: limits, headersOnly: headersOnly)
        }
        return try result.get()
    }

    /// Parses the header section of one raw message: every field ``parse(_:)`` gives except `text`, `html`,
    /// `attachments` and the problems met in the body, with ``ParsedMessage/bodyParsed`` false and `contentType` as
    /// the Content-Type field declares it (lower-cased, "text/plain" when absent). It checks the same limits as
    /// ``parse(_:)`` (the MIME structure's pre-scan included), so it throws exactly when ``parse(_:)`` would, and
    /// ``parse(_:)`` of the same bytes gives the same header fields. What libetpan's walk costs (the MIME parse,
    /// the decoding of every part, the hash of each attachment) is not paid.
    public static func parseHeaders(_ raw: [UInt8]) throws(MessageParseError) -> ParsedMessage {
        try parse(raw, limits: .standard, headersOnly: true)
    }

    /// The synthetic Message-ID of a message without one: the first 32 hex digits of the SHA-256 of its raw
    /// bytes, `@synthetic.mailgateway.invalid` (stable: the same bytes give the same id).
    public static func syntheticMessageID(for raw: [UInt8]) -> String {
        raw.withUnsafeBufferPointer { syntheticMessageID(buffer: $0) }
    }

    private static func syntheticMessageID(buffer: UnsafeBufferPointer<UInt8>) -> String {
        let digest = SHA256.hash(data: UnsafeRawBufferPointer(buffer))
        var hex = ""
        hex.reserveCapacity(64)
        for byte in digest {
            let digits = Array("0123456789abcdef".utf8)
            hex.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
            hex.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 0x0F)]))
        }
        return String(hex.prefix(32)) + "@" + syntheticIDDomain
    }

    private static func parse(buffer buf: UnsafeBufferPointer<UInt8>, limits: MIMELimits, headersOnly: Bool)
        -> Result<ParsedMessage, MessageParseError> {
        let section = HeaderSection.scan(buf)
        guard !section.fields.isEmpty else { return .failure(MessageParseError(.noHeaderSection, offset: 0)) }
        // libetpan's structured field parsers recurse once per comment level: bound it before any of them runs.
        if MIMEStructureScan.maxCommentDepth(buf) > limits.maxCommentDepth {
            return .failure(MessageParseError(.commentsTooDeep(limit: limits.maxCommentDepth)))
        }
        var problems = section.problems
        var message = ParsedMessage(messageID: "")
        message.headers.reserveCapacity(section.fields.count)

        var messageIDField: RawHeaderField? = nil
        var dateField: RawHeaderField? = nil
        var subjectField: RawHeaderField? = nil
        for field in section.fields {
            message.headers.append(MessageHeader(name: field.name, value: HeaderSection.unfoldedValue(buf, field)))
            let value = UnsafeBufferPointer(rebasing: buf[field.valueStart..<field.valueEnd])
            switch KnownField(name: field.name) {
            case .subject: if subjectField == nil { subjectField = field }
            case .from: message.from += HeaderFieldDecoder.addresses(value, field: "From", problems: &problems)
            case .to: message.to += HeaderFieldDecoder.addresses(value, field: "To", problems: &problems)
            case .cc: message.cc += HeaderFieldDecoder.addresses(value, field: "Cc", problems: &problems)
            case .replyTo:
                message.replyTo += HeaderFieldDecoder.addresses(value, field: "Reply-To", problems: &problems)
            case .sender:
                if message.sender == nil {
                    message.sender = HeaderFieldDecoder.addresses(value, field: "Sender", problems: &problems).first
                }
            case .date: if dateField == nil { dateField = field }
            case .messageID: if messageIDField == nil { messageIDField = field }
            case .inReplyTo: message.inReplyTo += idsWithAt(value, field: "In-Reply-To", problems: &problems)
            case .references: message.references += idsWithAt(value, field: "References", problems: &problems)
            case nil: break
            }
        }
        if let subjectField {
            message.subject = HeaderFieldDecoder.text(
                UnsafeBufferPointer(rebasing: buf[subjectField.valueStart..<subjectField.valueEnd]), problems: &problems)
        }
        if let dateField {
            message.date = HeaderFieldDecoder.date(UnsafeBufferPointer(rebasing: buf[dateField.valueStart..<dateField.valueEnd]))
            if message.date == nil { problems.append("unparseable Date header") }
        }
        if let f = messageIDField,
            let id = HeaderFieldDecoder.messageIDs(UnsafeBufferPointer(rebasing: buf[f.valueStart..<f.valueEnd])).first
        {
            message.messageID = id
        } else {
            if messageIDField != nil { problems.append("unreadable Message-ID; synthetic id used") }
            message.messageID = syntheticMessageID(buffer: buf)
            message.messageIDIsSynthetic = true
        }
        message.references = dedupe(message.references)
        message.inReplyTo = dedupe(message.inReplyTo)

        let mime = mimeInput(buf, section)
        // Bound depth and work before libetpan sees the structure (its parser recurses per level and rescans
        // per multipart): beyond the limits, the message is refused whole and quarantined by the caller.
        if let reason = mime.bytes.withUnsafeBufferPointer({ MIMEStructureScan.scan($0).violation(of: limits) }) {
            return .failure(MessageParseError(reason))
        }
        message.problems = problems
        if headersOnly {
            message.contentType = declaredType(message.header("Content-Type"))
            message.bodyParsed = false
            return .success(message)
        }
        addBody(&message, mime)
        return .success(message)
    }

    /// The whole parse of a message that ``parseHeaders(_:)`` parsed: the header fields as they are, the body added
    /// (the same value as ``parse(_:)`` of `raw`, without decoding the header fields again). `header` must come from
    /// ``parseHeaders(_:)`` of these bytes; a message parsed whole is returned as it is. The MIME structure's limits
    /// are checked again before libetpan sees it (a linear pre-scan), so a value that came from other bytes can
    /// never hand libetpan a structure beyond them.
    /// - Throws: ``MessageParseError`` when the structure is beyond the limits.
    public static func withBody(_ header: ParsedMessage, raw: [UInt8]) throws(MessageParseError) -> ParsedMessage {
        guard !header.bodyParsed else { return header }
        var message = header
        let result: Result<Void, MessageParseError> = raw.withUnsafeBufferPointer { buf in
            let mime = mimeInput(buf, HeaderSection.scan(buf))
            let scan = mime.bytes.withUnsafeBufferPointer { MIMEStructureScan.scan($0) }
            if let reason = scan.violation(of: .standard) { return .failure(MessageParseError(reason)) }
            addBody(&message, mime)
            return .success(())
        }
        try result.get()
        return message
    }

    /// libetpan's MIME parser gets only the MIME header fields and the body: the other fields are parsed by
    /// ``HeaderFieldDecoder`` already, and re-parsing them (Received, DKIM...) would double the cost. The copy lives
    /// until the walk is over (the MIME tree points into it); `headerLength` is where its body starts.
    private static func mimeInput(_ buf: UnsafeBufferPointer<UInt8>, _ section: HeaderSection)
        -> (bytes: [UInt8], headerLength: Int) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(buf.count - section.bodyOffset + 512)
        for field in section.fields where isMIMEField(field.name) {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[field.start..<field.valueEnd]))
            bytes.append(contentsOf: [0x0D, 0x0A])
        }
        bytes.append(contentsOf: [0x0D, 0x0A])
        let headerLength = bytes.count
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[min(section.bodyOffset, buf.count)...]))
        return (bytes, headerLength)
    }

    /// Walks the MIME structure of `mime` (``mimeInput(_:_:)``, within the limits) into `message`: its type, text,
    /// HTML, attachments and the body's problems.
    private static func addBody(_ message: inout ParsedMessage, _ mime: (bytes: [UInt8], headerLength: Int)) {
        let body = mime.bytes.withUnsafeBufferPointer { MIMEWalker.extract($0, bodyOffset: mime.headerLength) }
        message.problems += body.problems
        message.contentType = body.contentType
        message.attachments = body.attachments
        if !body.htmls.isEmpty { message.html = body.htmls.joined(separator: "\n") }
        if !body.texts.isEmpty {
            message.text = joinParts(body.texts)
        } else if let html = message.html {
            message.text = HTMLText.render(html)
            message.textIsDerivedFromHTML = true
        }
        message.bodyParsed = true
    }

    /// The `type/subtype` a Content-Type field value declares, lower-cased, before any parameter or comment;
    /// "text/plain" (RFC 2045 §5.2's default) when there is none or it has no `/`.
    static func declaredType(_ value: String?) -> String {
        guard let value else { return "text/plain" }
        let type = value.prefix { $0 != ";" && $0 != "(" }.filter { !$0.isWhitespace }.lowercased()
        return type.contains("/") ? type : "text/plain"
    }

    /// `Content-*` and `MIME-Version`, the fields the MIME parser needs.
    private static func isMIMEField(_ name: String) -> Bool {
        HeaderScan.hasPrefixIgnoringCase(name, "content-") || HeaderScan.equalsIgnoringCase(name, "mime-version")
    }

    /// The header fields this parser reads itself, told apart without case by their bytes: field names are
    /// printable ASCII (``HeaderSection``), where this is what `lowercased()` compared, without a new string per
    /// field (one allocation for every name longer than 15 bytes).
    private enum KnownField {
        case subject, from, to, cc, replyTo, sender, date, messageID, inReplyTo, references

        init?(name: String) {
            func named(_ lower: String) -> Bool { HeaderScan.equalsIgnoringCase(name, lower) }
            switch name.utf8.first.map(HeaderScan.lower) {
            case UInt8(ascii: "s"): if named("subject") { self = .subject } else if named("sender") { self = .sender } else { return nil }
            case UInt8(ascii: "f"): if named("from") { self = .from } else { return nil }
            case UInt8(ascii: "t"): if named("to") { self = .to } else { return nil }
            case UInt8(ascii: "c"): if named("cc") { self = .cc } else { return nil }
            case UInt8(ascii: "r"):
                if named("reply-to") { self = .replyTo } else if named("references") { self = .references } else { return nil }
            case UInt8(ascii: "d"): if named("date") { self = .date } else { return nil }
            case UInt8(ascii: "m"): if named("message-id") { self = .messageID } else { return nil }
            case UInt8(ascii: "i"): if named("in-reply-to") { self = .inReplyTo } else { return nil }
            default: return nil
            }
        }
    }

    /// Ids of In-Reply-To / References; tokens without `@` (`<yes>`, a git-send-email bug) are not message
    /// ids and are dropped, with a problem noted.
    private static func idsWithAt(
        _ value: UnsafeBufferPointer<UInt8>, field: String, problems: inout [String]
    ) -> [String] {
        let ids = HeaderFieldDecoder.messageIDs(value)
        let kept = ids.filter { $0.utf8.contains(0x40) }
        if kept.count != ids.count { problems.append("\(ids.count - kept.count) id(s) without @ ignored in \(field)") }
        return kept
    }

    private static func dedupe(_ ids: [String]) -> [String] {
        guard ids.count > 1 else { return ids }
        var seen = Set<String>()
        return ids.filter { seen.insert($0).inserted }
    }

    /// Several inline text parts (multipart/mixed) joined, each ending with a line break.
    private static func joinParts(_ parts: [String]) -> String {
        if parts.count == 1 { return parts[0] }
        var out = ""
        for part in parts {
            if !out.isEmpty, !out.hasSuffix("\n") { out += "\n" }
            out += part
        }
        return out
    }
}
