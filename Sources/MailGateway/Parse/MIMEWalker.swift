internal import CEtPan
internal import Foundation

/// What the MIME walk collects from a message body.
struct MIMEBody {
    /// text/plain parts (decoded, CRLF -> LF, format=flowed joined), in order.
    var texts: [String] = []
    /// text/html parts, decoded, in order.
    var htmls: [String] = []
    var attachments: [ParsedAttachment] = []
    /// Top-level `type/subtype`.
    var contentType = "text/plain"
    var problems: [String] = []
}

/// The sole user of libetpan's MIME parser (`mailmime_parse`, `mailmime_part_parse`): every `mailmime*`
/// stays inside this file and is freed before `extract` returns. The tree points into the message buffer,
/// which the caller keeps alive for the whole call.
enum MIMEWalker {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// Parses `buf` (MIME header fields, an empty line, the body) and collects its text, HTML and attachments. `bodyOffset` (from the
    /// header scan) is used only when libetpan cannot parse the structure: then the body is read as text.
    static func extract(_ buf: Bytes, bodyOffset: Int) -> MIMEBody {
        var body = MIMEBody()
        guard let base = buf.baseAddress, buf.count > 0 else { return body }
        var index = 0
        var mime: UnsafeMutablePointer<mailmime>? = nil
        let rc = base.withMemoryRebound(to: CChar.self, capacity: buf.count) { p in
            mailmime_parse(p, buf.count, &index, &mime)
        }
        guard rc == Int32(MAILIMF_NO_ERROR), let mime else {
            body.problems.append("MIME structure unparseable (libetpan error \(rc)); body read as text")
            let rest = Bytes(rebasing: buf[min(bodyOffset, buf.count)...])
            body.texts.append(LineEndings.lf(TextDecoding.decode(rest, label: nil, problems: &body.problems)))
            return body
        }
        defer { mailmime_free(mime) }
        var top = mime
        if Int(mime.pointee.mm_type) == MAILMIME_MESSAGE {
            guard let inner = mime.pointee.mm_data.mm_message.mm_msg_mime else { return body }
            top = inner
        }
        body.contentType = contentType(top.pointee.mm_content_type) ?? "text/plain"
        walk(top, into: &body, depth: 0)
        return body
    }

    private static func walk(_ mime: UnsafeMutablePointer<mailmime>, into body: inout MIMEBody, depth: Int) {
        guard depth < 64 else {
            body.problems.append("MIME nesting deeper than 64 levels; rest ignored")
            return
        }
        switch Int(mime.pointee.mm_type) {
        case MAILMIME_SINGLE:
            single(mime, into: &body)
        case MAILMIME_MULTIPLE:
            let subtype = mime.pointee.mm_content_type.flatMap { $0.pointee.ct_subtype.map { lowerString($0) } } ?? ""
            var it = cetpan_clist_begin(mime.pointee.mm_data.mm_multipart.mm_mp_list)
            if subtype == "alternative" {
                // The first child with text/plain gives `text`, the first with HTML gives `html`;
                // attachments (e.g. images of a multipart/related) are kept from every child.
                var haveText = false
                var haveHTML = false
                while let cell = it {
                    defer { it = cetpan_clist_next(cell) }
                    guard let child = cetpan_clist_content(cell)?.assumingMemoryBound(to: mailmime.self) else { continue }
                    var sub = MIMEBody()
                    walk(child, into: &sub, depth: depth + 1)
                    if !haveText, !sub.texts.isEmpty {
                        body.texts += sub.texts
                        haveText = true
                    }
                    if !haveHTML, !sub.htmls.isEmpty {
                        body.htmls += sub.htmls
                        haveHTML = true
                    }
                    body.attachments += sub.attachments
                    body.problems += sub.problems
                }
            } else {
                while let cell = it {
                    defer { it = cetpan_clist_next(cell) }
                    guard let child = cetpan_clist_content(cell)?.assumingMemoryBound(to: mailmime.self) else { continue }
                    walk(child, into: &body, depth: depth + 1)
                }
            }
        case MAILMIME_MESSAGE:
            // An attached message (message/rfc822): kept whole as an attachment.
            var fields = mailmime_single_fields()
            let (filename, disposition) = nameAndDisposition(mime, &fields, problems: &body.problems)
            let data = mime.pointee.mm_body.map { decodedBytes($0, problems: &body.problems) } ?? []
            body.attachments.append(
                ParsedAttachment(
                    filename: filename, contentType: contentType(mime.pointee.mm_content_type) ?? "message/rfc822",
                    contentID: fields.fld_id.map { cleanContentID($0) },
                    isInline: disposition == MAILMIME_DISPOSITION_TYPE_INLINE, data: data))
        default:
            body.problems.append("MIME part of unknown kind skipped")
        }
    }

    private static func single(_ mime: UnsafeMutablePointer<mailmime>, into body: inout MIMEBody) {
        var fields = mailmime_single_fields()
        let (filename, disposition) = nameAndDisposition(mime, &fields, problems: &body.problems)
        let type = contentType(mime.pointee.mm_content_type) ?? "text/plain"
        let isAttachment = disposition == MAILMIME_DISPOSITION_TYPE_ATTACHMENT
        guard let data = mime.pointee.mm_data.mm_single else { return }
        if !isAttachment, type == "text/plain" || type == "text/html" {
            let params = parameters(mime.pointee.mm_content_type)
            let charset = fields.fld_content_charset.map { String(cString: $0) } ?? params.plain("charset")
            var charsetProblems: [String] = []
            let text = withDecodedBytes(data, problems: &body.problems) { bytes in
                TextDecoding.decode(bytes, label: charset, problems: &charsetProblems)
            }
            body.problems += charsetProblems
            if type == "text/html" {
                body.htmls.append(text)
            } else if params.plain("format")?.lowercased() == "flowed" {
                body.texts.append(FormatFlowed.join(text, delSp: params.plain("delsp")?.lowercased() == "yes"))
            } else {
                body.texts.append(LineEndings.lf(text))
            }
            return
        }
        body.attachments.append(
            ParsedAttachment(
                filename: filename, contentType: type, contentID: fields.fld_id.map { cleanContentID($0) },
                isInline: disposition == MAILMIME_DISPOSITION_TYPE_INLINE, data: decodedBytes(data, problems: &body.problems)))
    }

    /// Fills `fields` and returns the decoded file name (Content-Disposition filename, else Content-Type
    /// name) and the disposition type (`MAILMIME_DISPOSITION_TYPE_*`, or -1 when absent).
    private static func nameAndDisposition(
        _ mime: UnsafeMutablePointer<mailmime>, _ fields: inout mailmime_single_fields, problems: inout [String]
    ) -> (String?, Int) {
        mailmime_single_fields_init(&fields, mime.pointee.mm_mime_fields, mime.pointee.mm_content_type)
        var disposition = -1
        var dispositionParams = MIMEParameters()
        if let dsp = fields.fld_disposition {
            if let t = dsp.pointee.dsp_type { disposition = Int(t.pointee.dsp_type) }
            var it = cetpan_clist_begin(dsp.pointee.dsp_parms)
            while let cell = it {
                defer { it = cetpan_clist_next(cell) }
                guard let parm = cetpan_clist_content(cell)?.assumingMemoryBound(to: mailmime_disposition_parm.self)
                else { continue }
                switch Int(parm.pointee.pa_type) {
                case MAILMIME_DISPOSITION_PARM_FILENAME:
                    if let v = parm.pointee.pa_data.pa_filename { dispositionParams.append(name: "filename", value: cString(v)) }
                case MAILMIME_DISPOSITION_PARM_PARAMETER:
                    if let p = parm.pointee.pa_data.pa_parameter, let n = p.pointee.pa_name, let v = p.pointee.pa_value {
                        dispositionParams.append(name: cString(n), value: cString(v))
                    }
                default: break
                }
            }
        }
        if let name = dispositionParams.value("filename", problems: &problems) { return (name, disposition) }
        let params = parameters(mime.pointee.mm_content_type)
        return (params.value("name", problems: &problems), disposition)
    }

    private static func parameters(_ content: UnsafeMutablePointer<mailmime_content>?) -> MIMEParameters {
        var params = MIMEParameters()
        guard let content else { return params }
        var it = cetpan_clist_begin(content.pointee.ct_parameters)
        while let cell = it {
            defer { it = cetpan_clist_next(cell) }
            guard let p = cetpan_clist_content(cell)?.assumingMemoryBound(to: mailmime_parameter.self),
                let n = p.pointee.pa_name, let v = p.pointee.pa_value
            else { continue }
            params.append(name: cString(n), value: cString(v))
        }
        return params
    }

    /// `type/subtype` lower-cased, or nil when the part has no Content-Type.
    private static func contentType(_ content: UnsafeMutablePointer<mailmime_content>?) -> String? {
        guard let content, let type = content.pointee.ct_type else { return nil }
        var main = ""
        switch Int(type.pointee.tp_type) {
        case MAILMIME_TYPE_DISCRETE_TYPE:
            if let d = type.pointee.tp_data.tp_discrete_type {
                switch Int(d.pointee.dt_type) {
                case MAILMIME_DISCRETE_TYPE_TEXT: main = "text"
                case MAILMIME_DISCRETE_TYPE_IMAGE: main = "image"
                case MAILMIME_DISCRETE_TYPE_AUDIO: main = "audio"
                case MAILMIME_DISCRETE_TYPE_VIDEO: main = "video"
                case MAILMIME_DISCRETE_TYPE_APPLICATION: main = "application"
                default: main = d.pointee.dt_extension.map { lowerString($0) } ?? "application"
                }
            }
        case MAILMIME_TYPE_COMPOSITE_TYPE:
            if let c = type.pointee.tp_data.tp_composite_type {
                switch Int(c.pointee.ct_type) {
                case MAILMIME_COMPOSITE_TYPE_MESSAGE: main = "message"
                case MAILMIME_COMPOSITE_TYPE_MULTIPART: main = "multipart"
                default: main = c.pointee.ct_token.map { lowerString($0) } ?? "multipart"
                }
            }
        default: return nil
        }
        let sub = content.pointee.ct_subtype.map { lowerString($0) } ?? ""
        return main + "/" + sub
    }

    /// Runs `body` over the transfer-decoded bytes of `data` (quoted-printable and base64 decoded by
    /// `mailmime_part_parse`; other encodings as they are).
    private static func withDecodedBytes<R>(
        _ data: UnsafeMutablePointer<mailmime_data>, problems: inout [String], _ body: (Bytes) -> R
    ) -> R {
        let d = data.pointee
        guard Int(d.dt_type) == MAILMIME_DATA_TEXT, let text = d.dt_data.dt_text.dt_data else {
            return body(Bytes(start: nil, count: 0))
        }
        let length = d.dt_data.dt_text.dt_length
        let encoding = Int(d.dt_encoding)
        let raw = UnsafeRawPointer(text).assumingMemoryBound(to: UInt8.self)
        guard d.dt_encoded != 0, encoding == MAILMIME_MECHANISM_BASE64 || encoding == MAILMIME_MECHANISM_QUOTED_PRINTABLE
        else { return body(Bytes(start: raw, count: length)) }
        if encoding == MAILMIME_MECHANISM_BASE64, let decoded = Base64Body.decode(Bytes(start: raw, count: length)) {
            return decoded.withUnsafeBytes { body($0.bindMemory(to: UInt8.self)) }
        }
        var index = 0
        var out: UnsafeMutablePointer<CChar>? = nil
        var outLen = 0
        let rc = mailmime_part_parse(text, length, &index, Int32(encoding), &out, &outLen)
        guard rc == Int32(MAILIMF_NO_ERROR), let out else {
            problems.append("transfer encoding could not be decoded (libetpan error \(rc)); part kept encoded")
            return body(Bytes(start: raw, count: length))
        }
        defer { mmap_string_unref(out) }
        return out.withMemoryRebound(to: UInt8.self, capacity: outLen) { body(Bytes(start: $0, count: outLen)) }
    }

    private static func decodedBytes(_ data: UnsafeMutablePointer<mailmime_data>, problems: inout [String]) -> [UInt8] {
        withDecodedBytes(data, problems: &problems) { Array($0) }
    }

    private static func cleanContentID(_ p: UnsafeMutablePointer<CChar>) -> String {
        var s = cString(p)
        s.removeAll { $0 == "<" || $0 == ">" || $0 == " " }
        return s
    }

    private static func cString(_ p: UnsafePointer<CChar>) -> String {
        let n = strlen(p)
        return p.withMemoryRebound(to: UInt8.self, capacity: n) { TextDecoding.headerBytesToString(Bytes(start: $0, count: n)) }
    }

    private static func lowerString(_ p: UnsafePointer<CChar>) -> String { String(cString: p).lowercased() }
}
