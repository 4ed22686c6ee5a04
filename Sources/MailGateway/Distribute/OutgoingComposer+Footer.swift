import Foundation
import Crypto

/// Where the footer goes (Mailman's `decorate.py`, with Outlook in mind: a second text/plain part shows there as
/// an attachment, `ATT00001.txt`):
/// - a single text/plain part (not an attachment) gets the footer in place. When its bytes can carry the footer
///   as they are (us-ascii or UTF-8 in 8bit, or in 7bit with an ASCII footer, or UTF-8 quoted-printable), the
///   footer is appended and nothing else changes; otherwise the text is decoded (base64 or quoted-printable, then
///   its charset) and the whole part is written again as UTF-8 quoted-printable, its other Content-Type
///   parameters (`format=flowed`, `delsp`) kept;
/// - multipart/mixed gets the footer as a new last part;
/// - everything else (HTML, multipart/alternative, multipart/signed, whose inside is never touched) is wrapped
///   in a new multipart/mixed with the footer as a last text/plain part.
extension OutgoingComposer {
    func addFooter(_ footer: String, to message: inout RawMessage) {
        var text = LineEndings.lf(footer)
        while text.hasPrefix("\n") { text.removeFirst() }
        while text.hasSuffix("\n") { text.removeLast() }
        text += "\n"
        let contentType = ContentType(headerValue: message.field("Content-Type")?.unfolded)
        let encoding = (message.field("Content-Transfer-Encoding")?.unfolded.lowercased()) ?? "7bit"
        let disposition = message.field("Content-Disposition")?.unfolded.lowercased() ?? ""

        if contentType.mimeType == "text/plain", !disposition.hasPrefix("attachment") {
            if appendAsIs(text, contentType: contentType, encoding: encoding, to: &message.body) { return }
            if reencode(text, contentType: contentType, encoding: encoding, message: &message) { return }
        }
        if contentType.mimeType == "multipart/mixed", let boundary = contentType.parameters["boundary"],
           insertPart(text, boundary: boundary, into: &message.body) {
            return
        }
        wrap(&message, footer: text)
    }

    /// Appends the footer to bytes that can carry it unchanged; false when they cannot.
    private func appendAsIs(_ text: String, contentType: ContentType, encoding: String, to body: inout [UInt8]) -> Bool {
        let charset = (contentType.parameters["charset"] ?? "us-ascii").lowercased()
        let unicodeCharset = charset == "utf-8" || charset == "utf8"
        guard charset == "us-ascii" || unicodeCharset else { return false }
        let footerIsASCII = text.unicodeScalars.allSatisfy { $0.isASCII }
        if ["7bit", "8bit", "binary"].contains(encoding), footerIsASCII || (unicodeCharset && encoding != "7bit") {
            appendToBody(&body, LineEndings.crlf(Array(text.utf8)))
            return true
        }
        if encoding == "quoted-printable", footerIsASCII || unicodeCharset {
            appendToBody(&body, Array(QuotedPrintable.encode(text).utf8))
            return true
        }
        return false
    }

    /// Decodes the part's text, appends the footer and writes it again as UTF-8 quoted-printable; false when the
    /// transfer encoding is unknown (the caller wraps).
    private func reencode(_ footer: String, contentType: ContentType, encoding: String, message: inout RawMessage) -> Bool {
        guard let bytes = TransferDecoding.decode(message.body, encoding: encoding) else { return false }
        var problems: [String] = []
        var text = bytes.withUnsafeBufferPointer {
            TextDecoding.decode($0, label: contentType.parameters["charset"], problems: &problems)
        }
        text = LineEndings.lf(text)
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        if !text.isEmpty { text += "\n" }
        message.body = Array(QuotedPrintable.encode(text + footer).utf8)
        var parameters = contentType.parameters
        parameters["charset"] = "utf-8"
        let rest = parameters.keys.filter { $0 != "charset" }.sorted().map { " \($0)=\(Self.quoted(parameters[$0]!))" }
        let value = " text/plain; charset=utf-8" + (rest.isEmpty ? "" : ";" + rest.joined(separator: ";"))
        message.fields.removeAll {
            $0.name.caseInsensitiveCompare("Content-Type") == .orderedSame
                || $0.name.caseInsensitiveCompare("Content-Transfer-Encoding") == .orderedSame
        }
        if message.field("MIME-Version") == nil { message.fields.append(.init(name: "MIME-Version", rawValue: " 1.0")) }
        message.fields.append(.init(name: "Content-Type", rawValue: value))
        message.fields.append(.init(name: "Content-Transfer-Encoding", rawValue: " quoted-printable"))
        return true
    }

    /// A parameter value, quoted when it is not a plain MIME token.
    private static func quoted(_ value: String) -> String {
        let special = CharacterSet(charactersIn: "()<>@,;:\\\"/[]?= \t")
        if !value.isEmpty, value.unicodeScalars.allSatisfy({ $0.isASCII && !special.contains($0) }) { return value }
        return HeaderEncoding.quotedString(value)
    }

    private func appendToBody(_ body: inout [UInt8], _ footer: [UInt8]) {
        if !body.isEmpty && !(body.suffix(2) == [13, 10]) { body.append(contentsOf: [13, 10]) }
        body.append(contentsOf: [13, 10])
        body.append(contentsOf: footer)
    }

    private func footerPart(_ text: String) -> [UInt8] {
        Array("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Disposition: inline\r\n\r\n".utf8)
            + Array(QuotedPrintable.encode(text).utf8)
    }

    /// Inserts the footer as a last part of a multipart/mixed body, before its close delimiter.
    private func insertPart(_ text: String, boundary: String, into body: inout [UInt8]) -> Bool {
        let close = Array("\r\n--\(boundary)--".utf8)
        let searchIn = [13, 10] + body
        guard let position = lastRange(of: close, in: searchIn) else { return false }
        let insertAt = max(0, position - 2)
        let part = Array("\r\n--\(boundary)\r\n".utf8) + footerPart(text)
        body.insert(contentsOf: part, at: insertAt)
        return true
    }

    private func lastRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = haystack.count - needle.count
        while i >= 0 {
            if haystack[i] == needle[0], Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i -= 1
        }
        return nil
    }

    /// Wraps the whole original content as the first part of a new multipart/mixed.
    private func wrap(_ message: inout RawMessage, footer text: String) {
        let contentFields = message.fields.filter { $0.name.lowercased().hasPrefix("content-") }
        message.fields.removeAll { $0.name.lowercased().hasPrefix("content-") }
        let boundary = makeBoundary(for: message.body)
        var body: [UInt8] = Array("--\(boundary)\r\n".utf8)
        for field in contentFields { body.append(contentsOf: RawMessage.latin1Bytes(field.serialized)) }
        body.append(contentsOf: [13, 10])
        body.append(contentsOf: message.body)
        if !(message.body.suffix(2) == [13, 10]) { body.append(contentsOf: [13, 10]) }
        body.append(contentsOf: Array("--\(boundary)\r\n".utf8))
        body.append(contentsOf: footerPart(text))
        body.append(contentsOf: Array("\r\n--\(boundary)--\r\n".utf8))
        message.body = body
        if message.field("MIME-Version") == nil { message.fields.append(.init(name: "MIME-Version", rawValue: " 1.0")) }
        message.fields.append(.init(name: "Content-Type", rawValue: " multipart/mixed; boundary=\"\(boundary)\""))
    }

    /// A boundary derived from the content (so composing is deterministic) that does not occur in it.
    private func makeBoundary(for body: [UInt8]) -> String {
        var salt = 0
        while true {
            var hasher = SHA256()
            hasher.update(data: body)
            hasher.update(data: Array(String(salt).utf8))
            let hex = LowercaseHex.string(hasher.finalize().prefix(12))
            let boundary = "=_mailgateway_\(hex)"
            if lastRange(of: Array(boundary.utf8), in: body) == nil { return boundary }
            salt += 1
        }
    }
}
