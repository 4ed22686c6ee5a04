import CCurl
import Foundation

/// One SMTP client session through libcurl: the sole owner of a `CURL*` easy handle.
///
/// The handle keeps its connection open between `send` calls, so consecutive copies reuse one TCP/TLS
/// session (libcurl closes it after a failed transaction and reconnects on the next send). All calls
/// block: use a connection only from one thread at a time, off Swift's cooperative pool (`OutboxSender`
/// gives each worker its own connection on its own serial queue). Not `Sendable` on purpose.
///
/// TLS: `starttls` requires STARTTLS (`CURLOPT_USE_SSL = CURLUSESSL_ALL`: a server that does not offer it
/// is refused), `tls` is implicit TLS (`smtps://`). Peer certificate and host name are always verified;
/// `caFile` adds a trusted certificate to the system store.
public final class SMTPConnection {
    private let handle: UnsafeMutableRawPointer
    private let settings: SMTPSettings
    private let state = TransferState()

    /// How many connections this handle has opened so far (libcurl's `CURLINFO_NUM_CONNECTS`, summed):
    /// 1 after any number of successful sends to a server that keeps the session open.
    public private(set) var connectionsOpened = 0

    /// The extensions the server announced in its last EHLO reply (`8BITMIME`, `DSN`, `SIZE`…), upper-cased;
    /// empty until a first transaction has connected.
    public private(set) var serverExtensions: Set<String> = []

    /// Creates the easy handle and sets the options that do not change between sends. Nothing is connected
    /// until the first `send`.
    public init(settings: SMTPSettings) throws(SMTPError) {
        guard let handle = curl_easy_init() else {
            throw SMTPError(kind: .transient, code: 0, reply: "curl_easy_init failed", command: "INIT")
        }
        self.handle = handle
        self.settings = settings
        do {
            try configure()
        } catch {
            curl_easy_cleanup(handle)
            throw error
        }
    }

    deinit {
        curl_easy_cleanup(handle)
    }

    /// The URL libcurl connects to: the path is the EHLO name (without one libcurl would send a file name).
    var url: String {
        let scheme = settings.server.tls == .tls ? "smtps" : "smtp"
        let host = settings.server.host.contains(":") ? "[\(settings.server.host)]" : settings.server.host
        let ehlo = settings.ehloName.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? settings.ehloName
        return "\(scheme)://\(host):\(settings.server.port)/\(ehlo)"
    }

    private func configure() throws(SMTPError) {
        try set(CURLOPT_URL, url)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_UPLOAD, 1)
        try set(CURLOPT_TCP_NODELAY, 1)
        try set(CURLOPT_CONNECTTIMEOUT, settings.connectTimeout)
        try set(CURLOPT_SERVER_RESPONSE_TIMEOUT, settings.replyTimeout)
        try set(CURLOPT_TIMEOUT, settings.transactionTimeout)
        switch settings.server.tls {
        case .none: try set(CURLOPT_USE_SSL, Int(CURLUSESSL_NONE.rawValue))
        case .starttls, .tls: try set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        }
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile = settings.server.caFile {
            // CAINFO replaces the default bundle; CAPATH keeps the system store as well.
            try set(CURLOPT_CAINFO, caFile)
            try set(CURLOPT_CAPATH, "/etc/ssl/certs")
        }
        if let user = settings.server.user {
            try set(CURLOPT_USERNAME, user)
            try set(CURLOPT_PASSWORD, settings.password ?? "")
        }
        // The debug callback sees every reply line and command: it keeps the last reply for SMTPError.
        try set(CURLOPT_VERBOSE, 1)
        try check(ccurl_setopt_debug_callback(handle, smtpDebugCallback), "DEBUGFUNCTION")
        try check(ccurl_setopt_read_callback(handle, smtpReadCallback), "READFUNCTION")
    }

    /// Sends one message in one SMTP transaction (MAIL FROM, one RCPT TO per recipient, DATA).
    /// With several recipients one refused RCPT fails the whole transaction (libcurl's default); see
    /// ``send(envelopeFrom:each:message:)`` for a result per recipient.
    /// - Throws: `SMTPError` with the server's reply code and text, classified transient or permanent; an
    ///   envelope address with CR, LF, NUL or another control character (or an angle bracket) is refused before
    ///   anything is sent (`SMTPError.unsafeEnvelope`): libcurl would write it into the command line as is. The
    ///   sender is checked first: when both it and a recipient are unsafe, the error names `MAIL`.
    public func send(envelopeFrom: String, recipients: [String], message: [UInt8]) throws(SMTPError) {
        try SMTPError.checkEnvelope(from: envelopeFrom, recipients: recipients)
        let result = try perform(envelopeFrom: envelopeFrom, recipients: recipients, message: message,
                                 allowingRefusedRecipients: false)
        if result == CURLE_OK { return }
        throw classify(result)
    }

    /// Sends one message to several recipients in ONE SMTP transaction, where the server's refusal of a RCPT fails
    /// only that recipient (`CURLOPT_MAIL_RCPT_ALLOWFAILS`, libcurl >= 7.69): the message goes to the others.
    /// - Returns: for each recipient, in order, nil when the server accepted the message for it (its RCPT and the
    ///   end of data answered 2xx), else why not: its own RCPT refusal (`command` "RCPT": 5xx permanent, 4xx
    ///   transient), an unsafe address (never sent), or the transaction's failure (connection, MAIL FROM, DATA or
    ///   end of data: the same error for every recipient the server had accepted).
    /// - Throws: `SMTPError.unsafeEnvelope` for an unsafe envelope sender (nothing is sent).
    public func send(envelopeFrom: String, each recipients: [String], message: [UInt8]) throws(SMTPError) -> [SMTPError?] {
        var (results, sent) = try SMTPError.screening(envelopeFrom: envelopeFrom, each: recipients)
        guard !sent.isEmpty else { return results }
        let result = try perform(envelopeFrom: envelopeFrom, recipients: sent.map { recipients[$0] }, message: message,
                                 allowingRefusedRecipients: true)
        let replies = state.recipientReplies
        var refusedAll = replies.count == sent.count
        for (position, index) in sent.enumerated() {
            if position < replies.count, replies[position].code >= 400 {
                let (code, reply) = replies[position]
                results[index] = SMTPError.refusal(code: code, reply: reply, command: "RCPT")
            } else {
                refusedAll = false
            }
        }
        if result == CURLE_OK || refusedAll { return results }
        let failure = classify(result)
        for index in sent where results[index] == nil { results[index] = failure }
        return results
    }

    /// One `curl_easy_perform` of the message from `envelopeFrom` to `recipients` (all already checked), its per-send options detached after.
    private func perform(envelopeFrom: String, recipients: [String], message: [UInt8],
                         allowingRefusedRecipients: Bool) throws(SMTPError) -> CURLcode {
        // Envelopes refused before sending are not timed (both clients): the metric measures SMTP exchanges.
        let started = ContinuousClock.now; defer { GatewayMetrics.smtpSend(started: started) }
        state.reset(upload: message)
        state.allowsRefusedRecipients = allowingRefusedRecipients
        var list: UnsafeMutablePointer<curl_slist>?
        for recipient in recipients {
            guard let appended = curl_slist_append(list, "<\(recipient)>") else {
                curl_slist_free_all(list)
                throw SMTPError(kind: .transient, code: 0, reply: "out of memory", command: "RCPT")
            }
            list = appended
        }
        defer { curl_slist_free_all(list) }
        let context = Unmanaged.passRetained(state)
        defer { context.release() }
        try check(ccurl_setopt_pointer(handle, CURLOPT_READDATA, context.toOpaque()), "READDATA")
        try check(ccurl_setopt_pointer(handle, CURLOPT_DEBUGDATA, context.toOpaque()), "DEBUGDATA")
        try set(CURLOPT_MAIL_FROM, Self.mailFrom(envelopeFrom, declaring8BitMIME: Self.declares8BitMIME(
            message: message, serverExtensions: serverExtensions)))
        try check(ccurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, list), "MAIL_RCPT")
        try check(ccurl_setopt_rcpt_allowfails(handle, allowingRefusedRecipients ? 1 : 0), "MAIL_RCPT_ALLOWFAILS")
        try check(ccurl_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.count)), "INFILESIZE")

        let result = curl_easy_perform(handle)
        // Detach the per-send pointers before `list` and `context` are released.
        _ = ccurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, nil)
        _ = ccurl_setopt_pointer(handle, CURLOPT_READDATA, nil)
        _ = ccurl_setopt_pointer(handle, CURLOPT_DEBUGDATA, nil)
        var opened = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &opened)
        connectionsOpened += opened
        if let announced = state.extensions { serverExtensions = announced }
        return result
    }

    /// RFC 6152: `BODY=8BITMIME` is declared when the message has a byte over 127 and the server announced
    /// 8BITMIME. libcurl (7.88, Debian 12) has no option for MAIL parameters: it wraps CURLOPT_MAIL_FROM as
    /// `<local@rest>`, so text after the address ends up before a closing `>` it adds. The declaration therefore
    /// ends with an RFC 3461 `ENVID`, whose xtext value may hold that `>` (wire: `MAIL FROM:<a@b>
    /// BODY=8BITMIME ENVID=mailgateway>`), which needs the server's DSN extension as well; without DSN nothing
    /// is declared (what was sent before). libcurl 8.x, which passes parameters after `<address>` through, sends
    /// `ENVID=mailgateway`. The extensions are those of the previous EHLO on this handle (the first message sent
    /// by a new handle declares nothing).
    static func declares8BitMIME(message: [UInt8], serverExtensions: Set<String>) -> Bool {
        serverExtensions.contains("8BITMIME") && serverExtensions.contains("DSN") && message.contains { $0 >= 0x80 }
    }

    /// The CURLOPT_MAIL_FROM value (see `declares8BitMIME`).
    static func mailFrom(_ envelopeFrom: String, declaring8BitMIME: Bool) -> String {
        declaring8BitMIME ? "<\(envelopeFrom)> BODY=8BITMIME ENVID=mailgateway" : "<\(envelopeFrom)>"
    }

    private func classify(_ result: CURLcode) -> SMTPError {
        let curlText = String(cString: curl_easy_strerror(result))
        if result == CURLE_LOGIN_DENIED, (state.failure?.code ?? 500) >= 500 {
            // 535 (or no mechanism the server offers): the credentials are wrong; no retry can help.
            return SMTPError(kind: .permanent, code: state.failure?.code ?? 0,
                             reply: state.failure?.reply.isEmpty == false ? state.failure!.reply : curlText,
                             command: "AUTH")
        }
        if result == CURLE_USE_SSL_FAILED {
            return SMTPError(kind: .transient, code: state.failure?.code ?? 0,
                             reply: "STARTTLS required but not offered or refused by the server (\(curlText))",
                             command: "STARTTLS")
        }
        guard let failure = state.failure else {
            // No refusal from the server: connection, TLS, timeout or a dropped connection.
            let command = state.command.isEmpty ? "CONNECT" : state.command
            return SMTPError(kind: .transient, code: 0, reply: curlText, command: command)
        }
        let (code, command, reply) = (failure.code, failure.command, failure.reply.isEmpty ? curlText : failure.reply)
        let transactionFailure = result == CURLE_SEND_ERROR || result == CURLE_WEIRD_SERVER_REPLY
            || result == CURLE_RECV_ERROR
        if (500..<600).contains(code), transactionFailure,
           ["MAIL", "RCPT", "DATA", "."].contains(command) {
            return SMTPError(kind: .permanent, code: code, reply: reply, command: command)
        }
        // Anything else (4xx, 5xx to EHLO, connection, TLS, timeout) is the gateway's or the
        // server's problem, not this recipient's: retry later.
        return SMTPError(kind: .transient, code: code, reply: reply, command: command)
    }

    private func set(_ option: CURLoption, _ value: Int) throws(SMTPError) {
        try check(ccurl_setopt_long(handle, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, _ value: String) throws(SMTPError) {
        try check(ccurl_setopt_string(handle, option, value), "option \(option.rawValue)")
    }

    private func check(_ code: CURLcode, _ what: String) throws(SMTPError) {
        guard code == CURLE_OK else {
            throw SMTPError(kind: .transient, code: 0,
                            reply: "libcurl refused \(what): \(String(cString: curl_easy_strerror(code)))",
                            command: "INIT")
        }
    }
}

/// What the C callbacks of one transfer read and write. Only touched by the thread running
/// `curl_easy_perform` (libcurl calls the callbacks on it), through an `Unmanaged` pointer balanced in `send`.
/// Every command and reply line of every copy goes through here: lines are read as bytes, and only the text
/// of a refusal (a code of 400 or more) becomes a `String`.
final class TransferState {
    var upload: [UInt8] = []
    var offset = 0
    /// The verb of the last command sent (`.` once DATA's 354 has been received).
    var command = ""
    /// Lines of the server's refusal (code 400 or more) to the last command, without the code, joined by spaces.
    var reply = ""
    /// The first reply of this transaction with a code of 400 or more, and the command it answered: kept
    /// apart because libcurl sends QUIT (and gets 221) after a failure.
    var failure: (code: Int, command: String, reply: String)?
    /// The extension keywords of this transfer's EHLO reply; nil when the transfer reused a connection.
    var extensions: Set<String>?
    /// The final reply to each RCPT of this transaction, in order (the text only for a refusal).
    var recipientReplies: [(code: Int, reply: String)] = []
    /// True when a refused RCPT fails only its recipient (``SMTPConnection/send(envelopeFrom:each:message:)``):
    /// it is then not the transaction's ``failure``.
    var allowsRefusedRecipients = false

    func reset(upload: [UInt8]) {
        self.upload = upload
        offset = 0
        reply = ""
        command = ""
        failure = nil
        extensions = nil
        recipientReplies.removeAll(keepingCapacity: true)
    }

    /// A command line sent (`MAIL FROM:<a@b>`): its verb, upper-cased, becomes ``command``.
    func sent(line: UnsafeRawBufferPointer) {
        var verb: [UInt8] = []
        for byte in line.prefix(16) {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: ":") || byte == 13 || byte == 10 { break }
            verb.append(byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte)
        }
        // The verbs of every transaction are the literals (no String built per command line).
        command = Self.verbs.first { $0.utf8.elementsEqual(verb) } ?? String(decoding: verb, as: UTF8.self)
        if !reply.isEmpty { reply = "" }
        if command == "EHLO" { extensions = [] }
    }

    private static let verbs = ["MAIL", "RCPT", "DATA", "RSET", "QUIT", "EHLO"]

    /// One reply line from the server, without its line end: `250-text`, `550 5.1.1 text`.
    func received(line: UnsafeRawBufferPointer) {
        var code = 0
        for byte in line.prefix(3) {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { code = 0; break }
            code = code * 10 + Int(byte - UInt8(ascii: "0"))
        }
        let isLast = line.count < 4 || line[3] != UInt8(ascii: "-")
        if code >= 400 || code == 0, reply.utf8.count < 1024 {
            let text = line.count > 4
                ? String(decoding: line[4...], as: UTF8.self).trimmingCharacters(in: .whitespaces) : ""
            reply = reply.isEmpty ? text : reply + " " + text
        }
        // The server's extensions (8BITMIME, DSN...): the first word of each line of the EHLO answer.
        if command == "EHLO", code == 250, line.count > 4 {
            var keyword: [UInt8] = []
            for byte in line[4...] {
                if byte == UInt8(ascii: " ") || byte == 13 || byte == 10 { break }
                keyword.append(byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte)
            }
            if !keyword.isEmpty { extensions = (extensions ?? []).union([String(decoding: keyword, as: UTF8.self)]) }
        }
        guard isLast else { return }
        if command == "RCPT" { recipientReplies.append((code, reply)) }
        if code >= 400, failure == nil, !(command == "RCPT" && allowsRefusedRecipients) {
            failure = (code, command.isEmpty ? "CONNECT" : command, reply)
        }
        if code == 354 {
            // The message follows; the next reply answers the end of data.
            command = "."
            reply = ""
        }
    }
}

/// CURLOPT_READFUNCTION: copies the next bytes of the message into libcurl's buffer (0 = end of data).
private func smtpReadCallback(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                              _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let userdata else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
    let length = min(size * count, state.upload.count - state.offset)
    guard length > 0 else { return 0 }
    state.upload.withUnsafeBytes { raw in
        UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + state.offset, byteCount: length)
    }
    state.offset += length
    return length
}

/// CURLOPT_DEBUGFUNCTION: records the verb of each command sent and the text of a refusal.
private func smtpDebugCallback(_ handle: UnsafeMutableRawPointer?, _ type: curl_infotype,
                               _ data: UnsafeMutablePointer<CChar>?, _ size: Int,
                               _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    guard let data, let userdata, size > 0 else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    switch type {
    case CURLINFO_HEADER_OUT:
        state.sent(line: bytes)
    case CURLINFO_HEADER_IN:
        var start = 0
        for index in 0...bytes.count {
            guard index == bytes.count || bytes[index] == 10 || bytes[index] == 13 else { continue }
            if index > start { state.received(line: UnsafeRawBufferPointer(rebasing: bytes[start..<index])) }
            start = index + 1
        }
    default:
        break
    }
    return 0
}
