internal import CEtPan
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The one owner of a libetpan `mailimap*` session: every libetpan IMAP call of the project goes through here.
///
/// Blocking and not `Sendable`: it lives inside `IMAPClient`, whose executor is a serial dispatch queue, so the
/// calls below never block Swift's cooperative pool. The handle is allocated in `init` and freed in `deinit`,
/// whether or not connecting succeeded (`mailimap_free` closes the stream when there is one).
///
/// It does not verify TLS certificates itself: `IMAPClient.connect` checks `peerCertificateChain()` with
/// `TLSVerifier` right after `open()` and before any credential is sent.
final class IMAPConnection {
    // Internal rather than private for the extensions in IMAPConnection+*.swift.
    let imap: UnsafeMutablePointer<mailimap>
    private let host: String
    private let port: Int
    private let tlsMode: TLSMode
    let timeoutSeconds: Int
    let logger: Logger
    var user: String?
    var selectedFolder: String?
    /// EXISTS of the selected folder as it stood when the first `messages(after:)` since the last `idle` (or
    /// SELECT) was sent. A server may report a new message at the end of a listing's answer without listing it
    /// (Dovecot does when the message lands while the FETCH runs): `idle` compares against this so that such a
    /// message is not left for the next wake. The first listing, not the last: a later one (a repair pass's
    /// `messages(after: 0)`) must not hide what arrived after the first. A change that is only expunges costs one
    /// more listing, no more.
    var existsWhenListed: UInt32?
    /// Set once the stream broke: libetpan's session can't be trusted after that.
    var broken = false

    /// The capabilities last read from the server (after login they are the authenticated ones).
    private(set) var capabilities = IMAPCapabilities(names: [])

    /// `host:port`, for errors and logs.
    var serverName: String { "\(host):\(port)" }

    /// Allocates the session. Nothing touches the network yet.
    init(host: String, port: Int, tls: TLSMode, timeoutSeconds: Int, logger: Logger) throws(IMAPError) {
        guard let imap = mailimap_new(0, nil) else {
            throw IMAPError(kind: .connect, server: "\(host):\(port)", command: "connect",
                            reason: "libetpan could not allocate a session (out of memory)")
        }
        self.imap = imap
        self.host = host
        self.port = port
        self.tlsMode = tls
        self.timeoutSeconds = max(1, timeoutSeconds)
        self.logger = logger
        // Per-session timeout (connect, reads, writes): not the C global `mailstream_network_delay`.
        mailimap_set_timeout(imap, time_t(self.timeoutSeconds))
    }

    deinit {
        // Closing a TLS stream may write (close_notify) to a socket the server already closed.
        let imap = self.imap
        BrokenPipeGuard.run { mailimap_free(imap) }
    }

    // MARK: - Connection

    /// Opens the TCP connection, negotiates TLS as configured (`tls`: from the first byte; `starttls`: STARTTLS
    /// right after the greeting) and reads the capabilities. The certificate is *not* checked here.
    func open() throws(IMAPError) {
        guard (1...65535).contains(port) else {
            throw IMAPError(kind: .connect, server: serverName, command: "connect", reason: "invalid port \(port)")
        }
        logger.debug("imap.connect", metadata: ["imap.server": "\(serverName)", "imap.tls": "\(tlsMode.rawValue)"])
        let sni = Self.isIPAddress(host) ? nil : strdup(host)
        defer { free(sni) }
        let started = ContinuousClock.now
        let code: Int32
        switch tlsMode {
        case .none, .starttls:
            code = mailimap_socket_connect(imap, host, UInt16(port))
        case .tls:
            code = mailimap_ssl_connect_with_callback(imap, host, UInt16(port), sni == nil ? nil : Self.setServerName, sni)
        }
        guard Self.succeeded(code) else {
            var error = failure(code, command: "connect", started: started)
            if error.kind == .protocol || error.kind == .command { error.kind = tlsMode == .tls ? .tls : .connect }
            if Int(code) == MAILIMAP_ERROR_SSL {
                error.kind = .tls
                error.reason = "TLS handshake failed"
            } else if Int(code) == MAILIMAP_ERROR_CONNECTION_REFUSED, error.kind != .timeout {
                error.kind = .connect
                error.reason = "connection refused or host unreachable"
            }
            throw error
        }
        if tlsMode == .starttls {
            let started = ContinuousClock.now
            let code = mailimap_socket_starttls_with_callback(imap, sni == nil ? nil : Self.setServerName, sni)
            guard code == MAILIMAP_NO_ERROR else {
                var error = failure(code, command: "STARTTLS", started: started)
                if error.kind != .timeout { error.kind = .tls }
                if error.serverText == nil { error.reason = "the server did not accept STARTTLS" }
                throw error
            }
        }
        try readCapabilities()
    }

    /// The DER certificates the server presented during the TLS handshake, leaf first; empty without TLS.
    func peerCertificateChain() -> [[UInt8]] {
        guard let stream = imap.pointee.imap_stream, let chain = mailstream_get_certificate_chain(stream) else {
            return []
        }
        defer { mailstream_certificate_chain_free(chain) }
        var certificates: [[UInt8]] = []
        for index in 0..<cetpan_carray_count(chain) {
            guard let raw = cetpan_carray_get(chain, index) else { continue }
            let string = raw.assumingMemoryBound(to: MMAPString.self)
            guard let bytes = string.pointee.str, string.pointee.len > 0 else { continue }
            certificates.append(Array(UnsafeRawBufferPointer(start: bytes, count: string.pointee.len)))
        }
        return certificates
    }

    /// LOGIN (RFC 3501 §6.2.3). The password is handed to libetpan and nowhere else: never logged, never kept.
    func login(user: String, password: String) throws(IMAPError) {
        self.user = user
        logger.debug("imap.login", metadata: ["imap.server": "\(serverName)", "imap.user": "\(user)"])
        let started = ContinuousClock.now
        let code = mailimap_login(imap, user, password)
        guard Self.succeeded(code) else {
            var error = failure(code, command: "LOGIN", started: started)
            if Int(code) == MAILIMAP_ERROR_LOGIN { error.kind = .login }
            throw error
        }
        try readCapabilities()
    }

    /// CAPABILITY (RFC 3501 §6.1.1).
    func readCapabilities() throws(IMAPError) {
        var data: UnsafeMutablePointer<mailimap_capability_data>?
        let started = ContinuousClock.now
        let code = mailimap_capability(imap, &data)
        guard code == MAILIMAP_NO_ERROR, let data else { throw failure(code, command: "CAPABILITY", started: started) }
        defer { mailimap_capability_data_free(data) }
        var names: [String] = []
        for item in Self.items(of: data.pointee.cap_list, as: mailimap_capability.self) {
            switch Int(item.pointee.cap_type) {
            case MAILIMAP_CAPABILITY_NAME:
                if let name = item.pointee.cap_data.cap_name { names.append(String(cString: name)) }
            case MAILIMAP_CAPABILITY_AUTH_TYPE:
                if let name = item.pointee.cap_data.cap_auth_type { names.append("AUTH=" + String(cString: name)) }
            default:
                break
            }
        }
        capabilities = IMAPCapabilities(names: names)
    }

    /// LOGOUT, ignoring errors: the session is being dropped anyway.
    func logout() {
        guard !broken else { return }
        _ = mailimap_logout(imap)
        broken = true
    }

    // MARK: - Folders

    /// SELECT (RFC 3501 §6.3.1): makes `folder` current and returns its UIDVALIDITY, UIDNEXT and EXISTS.
    func select(_ folder: String) throws(IMAPError) -> IMAPMailboxStatus {
        let started = ContinuousClock.now
        let code = mailimap_select(imap, IMAPFolderName.encode(folder))
        guard code == MAILIMAP_NO_ERROR else {
            selectedFolder = nil
            throw failure(code, command: "SELECT", mailbox: folder, started: started)
        }
        selectedFolder = folder
        existsWhenListed = nil
        guard let info = imap.pointee.imap_selection_info else {
            throw IMAPError(kind: .protocol, server: serverName, user: user, mailbox: folder, command: "SELECT",
                            reason: "the server's reply carried no mailbox status")
        }
        return IMAPMailboxStatus(uidValidity: info.pointee.sel_uidvalidity, uidNext: info.pointee.sel_uidnext,
                                 exists: info.pointee.sel_exists)
    }

    /// CREATE (RFC 3501 §6.3.3). A folder that already exists is not an error. Returns whether it was created.
    @discardableResult
    func createFolder(_ folder: String) throws(IMAPError) -> Bool {
        let started = ContinuousClock.now
        let code = mailimap_create(imap, IMAPFolderName.encode(folder))
        guard code == MAILIMAP_NO_ERROR else {
            let error = failure(code, command: "CREATE", mailbox: folder, started: started)
            // RFC 5530 ALREADYEXISTS; libetpan keeps only the text, which says so in every server we know.
            if error.kind == .command, let text = error.serverText?.lowercased(), text.contains("exists") { return false }
            throw error
        }
        return true
    }

    /// APPEND (RFC 3501 §6.3.11), for tests and the demo. Returns the new UID when the server has UIDPLUS.
    func append(_ bytes: [UInt8], to folder: String, flags: [IMAPFlag], internalDate: Date?) throws(IMAPError)
        -> UInt32?
    {
        let flagList = try makeFlagList(flags, command: "APPEND")
        defer { mailimap_flag_list_free(flagList) }
        let dateTime = internalDate.flatMap(Self.makeDateTime)
        defer { if let dateTime { mailimap_date_time_free(dateTime) } }
        let started = ContinuousClock.now
        var uidValidity: UInt32 = 0
        var uid: UInt32 = 0
        let wireName = IMAPFolderName.encode(folder)
        let code: Int32 = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                if capabilities.uidPlus {
                    mailimap_uidplus_append(imap, wireName, flagList, dateTime, chars.baseAddress, chars.count,
                                            &uidValidity, &uid)
                } else {
                    mailimap_append(imap, wireName, flagList, dateTime, chars.baseAddress, chars.count)
                }
            }
        }
        guard code == MAILIMAP_NO_ERROR else { throw failure(code, command: "APPEND", mailbox: folder, started: started) }
        return uid == 0 ? nil : uid
    }

    /// NOOP (RFC 3501 §6.1.2): keeps the session alive and lets the server report new messages (for polling
    /// servers without IDLE). Returns EXISTS of the selected folder as last reported.
    func noop() throws(IMAPError) -> UInt32? {
        let started = ContinuousClock.now
        let code = mailimap_noop(imap)
        guard code == MAILIMAP_NO_ERROR else { throw failure(code, command: "NOOP", mailbox: selectedFolder, started: started) }
        return imap.pointee.imap_selection_info?.pointee.sel_exists
    }
}
