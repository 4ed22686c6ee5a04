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
    private let imap: UnsafeMutablePointer<mailimap>
    private let host: String
    private let port: Int
    private let tlsMode: TLSMode
    private let timeoutSeconds: Int
    private let logger: Logger
    private var user: String?
    private var selectedFolder: String?
    /// Set once the stream broke: libetpan's session can't be trusted after that.
    private var broken = false

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
        guard let info = imap.pointee.imap_selection_info else {
            throw IMAPError(kind: .protocol, server: serverName, user: user, mailbox: folder, command: "SELECT",
                            reason: "the server's reply carried no mailbox status")
        }
        return IMAPMailboxStatus(uidValidity: info.pointee.sel_uidvalidity, uidNext: info.pointee.sel_uidnext,
                                 exists: info.pointee.sel_exists)
    }

    /// CREATE (RFC 3501 §6.3.3). A folder that already exists is not an error.
    func createFolder(_ folder: String) throws(IMAPError) {
        let started = ContinuousClock.now
        let code = mailimap_create(imap, IMAPFolderName.encode(folder))
        guard code == MAILIMAP_NO_ERROR else {
            let error = failure(code, command: "CREATE", mailbox: folder, started: started)
            // RFC 5530 ALREADYEXISTS; libetpan keeps only the text, which says so in every server we know.
            if error.kind == .command, let text = error.serverText?.lowercased(), text.contains("exists") { return }
            throw error
        }
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

    // MARK: - Messages of the selected folder

    /// `UID FETCH n+1:* (UID RFC822.SIZE INTERNALDATE)`: the messages whose UID is greater than `uid`, by UID.
    /// (`n+1:*` also names the last message when every UID is <= n; it is filtered out.)
    func messages(after uid: UInt32) throws(IMAPError) -> [IMAPMessageInfo] {
        guard uid < UInt32.max else { return [] }
        guard let set = mailimap_set_new_interval(uid + 1, 0) else { throw outOfMemory("UID FETCH") }
        defer { mailimap_set_free(set) }
        let attributes = [mailimap_fetch_att_new_uid(), mailimap_fetch_att_new_rfc822_size(),
                          mailimap_fetch_att_new_internaldate()]
        let found = try uidFetch(set: set, attributes: attributes, command: "UID FETCH")
        return found.compactMap { item -> IMAPMessageInfo? in
            guard let itemUID = item.uid, itemUID > uid else { return nil }
            return IMAPMessageInfo(uid: itemUID, size: Int(item.size ?? 0), internalDate: item.internalDate)
        }.sorted { $0.uid < $1.uid }
    }

    /// `UID FETCH set (UID BODY.PEEK[] INTERNALDATE)`: whole messages, in one round trip, without setting \Seen.
    /// UIDs that no longer exist are simply absent from the result. Sorted by UID.
    func fetchMessages(uids: [UInt32]) throws(IMAPError) -> [IMAPFetchedMessage] {
        try fetchSections(uids: uids, section: mailimap_section_new(nil))
    }

    /// `UID FETCH set (UID BODY.PEEK[HEADER] INTERNALDATE)`: the header sections only (for oversize messages).
    func fetchHeaders(uids: [UInt32]) throws(IMAPError) -> [IMAPFetchedMessage] {
        try fetchSections(uids: uids, section: mailimap_section_new_header())
    }

    /// `UID SEARCH UID a:b UNSEEN`: the UIDs in `range` without \Seen, ascending.
    func unseenUIDs(in range: ClosedRange<UInt32>) throws(IMAPError) -> [UInt32] {
        guard let key = mailimap_search_key_new_multiple_empty() else { throw outOfMemory("UID SEARCH") }
        defer { mailimap_search_key_free(key) }
        guard let set = mailimap_set_new_interval(max(1, range.lowerBound), max(1, range.upperBound)),
              let uidKey = mailimap_search_key_new_uid(set) else { throw outOfMemory("UID SEARCH") }
        guard mailimap_search_key_multiple_add(key, uidKey) == MAILIMAP_NO_ERROR else {
            mailimap_search_key_free(uidKey)
            throw outOfMemory("UID SEARCH")
        }
        guard let unseen = cetpan_search_key_new_unseen() else { throw outOfMemory("UID SEARCH") }
        guard mailimap_search_key_multiple_add(key, unseen) == MAILIMAP_NO_ERROR else {
            mailimap_search_key_free(unseen)
            throw outOfMemory("UID SEARCH")
        }
        var result: UnsafeMutablePointer<clist>?
        let started = ContinuousClock.now
        let code = mailimap_uid_search(imap, nil, key, &result)
        guard code == MAILIMAP_NO_ERROR else {
            throw failure(code, command: "UID SEARCH", mailbox: selectedFolder, started: started)
        }
        guard let result else { return [] }
        defer { mailimap_search_result_free(result) }
        return Self.items(of: result, as: UInt32.self).map(\.pointee).filter { range.contains($0) }.sorted()
    }

    /// `UID STORE set +FLAGS.SILENT (\Seen)`.
    func markSeen(uids: [UInt32]) throws(IMAPError) {
        try addFlags([.seen], uids: uids)
    }

    /// `UID STORE set +FLAGS.SILENT (flags)`.
    func addFlags(_ flags: [IMAPFlag], uids: [UInt32]) throws(IMAPError) {
        guard !uids.isEmpty else { return }
        let set = try makeSet(uids, command: "UID STORE")
        defer { mailimap_set_free(set) }
        let flagList = try makeFlagList(flags, command: "UID STORE")
        // The store attribute takes ownership of the flag list.
        guard let store = mailimap_store_att_flags_new_add_flags_silent(flagList) else {
            mailimap_flag_list_free(flagList)
            throw outOfMemory("UID STORE")
        }
        defer { mailimap_store_att_flags_free(store) }
        let started = ContinuousClock.now
        let code = mailimap_uid_store(imap, set, store)
        guard code == MAILIMAP_NO_ERROR else {
            throw failure(code, command: "UID STORE", mailbox: selectedFolder, started: started)
        }
    }

    /// `UID MOVE set folder` (RFC 6851); without MOVE: `UID COPY`, `+FLAGS.SILENT (\Deleted)` and, with UIDPLUS,
    /// `UID EXPUNGE set` (without UIDPLUS the originals stay flagged \Deleted: a plain EXPUNGE could remove
    /// messages someone else deleted).
    func move(uids: [UInt32], to folder: String) throws(IMAPError) {
        guard !uids.isEmpty else { return }
        let set = try makeSet(uids, command: "UID MOVE")
        defer { mailimap_set_free(set) }
        if capabilities.move {
            let started = ContinuousClock.now
            let code = mailimap_uid_move(imap, set, IMAPFolderName.encode(folder))
            guard code == MAILIMAP_NO_ERROR else { throw failure(code, command: "UID MOVE", mailbox: folder, started: started) }
            return
        }
        var started = ContinuousClock.now
        var code = mailimap_uid_copy(imap, set, IMAPFolderName.encode(folder))
        guard code == MAILIMAP_NO_ERROR else { throw failure(code, command: "UID COPY", mailbox: folder, started: started) }
        try addFlags([.deleted], uids: uids)
        guard capabilities.uidPlus else {
            logger.info("imap.move.noExpunge", metadata: ["imap.server": "\(serverName)",
                                                          "imap.reason": "server has neither MOVE nor UIDPLUS"])
            return
        }
        started = ContinuousClock.now
        code = mailimap_uid_expunge(imap, set)
        guard code == MAILIMAP_NO_ERROR else {
            throw failure(code, command: "UID EXPUNGE", mailbox: selectedFolder, started: started)
        }
    }

    // MARK: - IDLE

    /// IDLE (RFC 2177): sends IDLE, waits until the server sends something, `timeout` passes, or `wakeFD`
    /// becomes readable, then sends DONE and reads the server's answer (which updates EXISTS).
    func idle(timeout: Duration, wakeFD: Int32) throws(IMAPError) -> IMAPIdleOutcome {
        let existsBefore = imap.pointee.imap_selection_info?.pointee.sel_exists
        var started = ContinuousClock.now
        var code = mailimap_idle(imap)
        guard code == MAILIMAP_NO_ERROR else { throw failure(code, command: "IDLE", mailbox: selectedFolder, started: started) }

        var outcome = IMAPIdleOutcome.timedOut
        if let stream = imap.pointee.imap_stream, stream.pointee.read_buffer_len > 0 {
            // Already buffered by libetpan: poll() on the socket would not see it.
            outcome = .serverActivity
        } else if let existsBefore, let now = imap.pointee.imap_selection_info?.pointee.sel_exists, now != existsBefore {
            // An EXISTS that arrived with IDLE's continuation was consumed by libetpan already.
            outcome = .serverActivity
        } else {
            let idleFD = mailimap_idle_get_fd(imap)
            guard idleFD >= 0 else {
                throw IMAPError(kind: .protocol, server: serverName, user: user, mailbox: selectedFolder,
                                command: "IDLE", reason: "no socket to wait on")
            }
            let deadline = ContinuousClock.now.advanced(by: timeout)
            waiting: while true {
                let left = ContinuousClock.now.duration(to: deadline)
                if left <= .zero { break }
                let milliseconds = Int32(clamping: left.components.seconds * 1000
                    + left.components.attoseconds / 1_000_000_000_000_000 + 1)
                var fds = [pollfd(fd: idleFD, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
                let ready = poll(&fds, 2, milliseconds)
                if ready < 0 {
                    if errno == EINTR { continue }
                    break
                }
                if ready == 0 { continue }
                if fds[1].revents != 0 {
                    outcome = .interrupted
                    break waiting
                }
                if fds[0].revents != 0 {
                    outcome = .serverActivity
                    break waiting
                }
            }
        }
        started = ContinuousClock.now
        code = mailimap_idle_done(imap)
        guard code == MAILIMAP_NO_ERROR else { throw failure(code, command: "DONE", mailbox: selectedFolder, started: started) }
        return outcome
    }

    // MARK: - Helpers

    private struct FetchedItem {
        var uid: UInt32?
        var size: UInt32?
        var internalDate: Date?
        var body: [UInt8]?
    }

    private func fetchSections(uids: [UInt32], section: UnsafeMutablePointer<mailimap_section>?) throws(IMAPError)
        -> [IMAPFetchedMessage]
    {
        guard let section else { throw outOfMemory("UID FETCH") }
        guard !uids.isEmpty else {
            mailimap_section_free(section)
            return []
        }
        let set: UnsafeMutablePointer<mailimap_set>
        do {
            set = try makeSet(uids, command: "UID FETCH")
        } catch {
            mailimap_section_free(section)
            throw error
        }
        defer { mailimap_set_free(set) }
        let attributes = [mailimap_fetch_att_new_uid(), mailimap_fetch_att_new_body_peek_section(section),
                          mailimap_fetch_att_new_internaldate()]
        let wanted = Set(uids)
        return try uidFetch(set: set, attributes: attributes, command: "UID FETCH").compactMap { item in
            guard let uid = item.uid, wanted.contains(uid), let body = item.body else { return nil }
            return IMAPFetchedMessage(uid: uid, bytes: body, internalDate: item.internalDate)
        }.sorted { $0.uid < $1.uid }
    }

    /// Runs one `UID FETCH` with the given attributes (ownership of each is taken, even on failure).
    private func uidFetch(set: UnsafeMutablePointer<mailimap_set>,
                          attributes: [UnsafeMutablePointer<mailimap_fetch_att>?],
                          command: String) throws(IMAPError) -> [FetchedItem]
    {
        guard let fetchType = mailimap_fetch_type_new_fetch_att_list_empty() else {
            attributes.forEach { if let att = $0 { mailimap_fetch_att_free(att) } }
            throw outOfMemory(command)
        }
        defer { mailimap_fetch_type_free(fetchType) }
        var complete = true
        for attribute in attributes {
            guard let attribute else {
                complete = false
                continue
            }
            if mailimap_fetch_type_new_fetch_att_list_add(fetchType, attribute) != MAILIMAP_NO_ERROR {
                mailimap_fetch_att_free(attribute)
                complete = false
            }
        }
        guard complete else { throw outOfMemory(command) }

        var result: UnsafeMutablePointer<clist>?
        let started = ContinuousClock.now
        let code = mailimap_uid_fetch(imap, set, fetchType, &result)
        guard code == MAILIMAP_NO_ERROR else {
            throw failure(code, command: command, mailbox: selectedFolder, started: started)
        }
        guard let result else { return [] }
        defer { mailimap_fetch_list_free(result) }

        var items: [FetchedItem] = []
        for message in Self.items(of: result, as: mailimap_msg_att.self) {
            var item = FetchedItem()
            for attribute in Self.items(of: message.pointee.att_list, as: mailimap_msg_att_item.self) {
                guard Int(attribute.pointee.att_type) == MAILIMAP_MSG_ATT_ITEM_STATIC,
                      let value = attribute.pointee.att_data.att_static else { continue }
                switch Int(value.pointee.att_type) {
                case MAILIMAP_MSG_ATT_UID:
                    item.uid = value.pointee.att_data.att_uid
                case MAILIMAP_MSG_ATT_RFC822_SIZE:
                    item.size = value.pointee.att_data.att_rfc822_size
                case MAILIMAP_MSG_ATT_INTERNALDATE:
                    if let date = value.pointee.att_data.att_internal_date { item.internalDate = Self.date(date.pointee) }
                case MAILIMAP_MSG_ATT_BODY_SECTION:
                    guard let section = value.pointee.att_data.att_body_section else { break }
                    if let bytes = section.pointee.sec_body_part, section.pointee.sec_length > 0 {
                        item.body = Array(UnsafeRawBufferPointer(start: bytes, count: section.pointee.sec_length))
                    } else {
                        item.body = []
                    }
                default:
                    break
                }
            }
            items.append(item)
        }
        return items
    }

    private func makeSet(_ uids: [UInt32], command: String) throws(IMAPError) -> UnsafeMutablePointer<mailimap_set> {
        guard let set = mailimap_set_new_empty() else { throw outOfMemory(command) }
        // Consecutive UIDs become intervals: a 500-message batch is usually one `a:b`.
        var index = 0
        let sorted = Array(Set(uids)).sorted()
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count, sorted[end + 1] == sorted[end] + 1 { end += 1 }
            let code = index == end ? mailimap_set_add_single(set, sorted[index])
                : mailimap_set_add_interval(set, sorted[index], sorted[end])
            guard code == MAILIMAP_NO_ERROR else {
                mailimap_set_free(set)
                throw outOfMemory(command)
            }
            index = end + 1
        }
        return set
    }

    private func makeFlagList(_ flags: [IMAPFlag], command: String) throws(IMAPError)
        -> UnsafeMutablePointer<mailimap_flag_list>
    {
        guard let list = mailimap_flag_list_new_empty() else { throw outOfMemory(command) }
        for flag in flags {
            let made: UnsafeMutablePointer<mailimap_flag>? = switch flag {
            case .seen: mailimap_flag_new_seen()
            case .answered: mailimap_flag_new_answered()
            case .flagged: mailimap_flag_new_flagged()
            case .deleted: mailimap_flag_new_deleted()
            case .draft: mailimap_flag_new_draft()
            }
            guard let made else {
                mailimap_flag_list_free(list)
                throw outOfMemory(command)
            }
            guard mailimap_flag_list_add(list, made) == MAILIMAP_NO_ERROR else {
                mailimap_flag_free(made)
                mailimap_flag_list_free(list)
                throw outOfMemory(command)
            }
        }
        return list
    }

    private func outOfMemory(_ command: String) -> IMAPError {
        IMAPError(kind: .protocol, server: serverName, user: user, mailbox: selectedFolder, command: command,
                  reason: "libetpan could not allocate memory")
    }

    /// Turns a libetpan return code into an `IMAPError` carrying the server's last response text.
    /// libetpan reports a timeout as a stream error: one that took the whole timeout is called a timeout.
    private func failure(_ code: Int32, command: String, mailbox: String? = nil, started: ContinuousClock.Instant)
        -> IMAPError
    {
        let elapsed = ContinuousClock.now - started
        let kind: IMAPError.Kind
        var reason: String?
        switch Int(code) {
        case MAILIMAP_ERROR_STREAM:
            if elapsed >= .seconds(timeoutSeconds) - .milliseconds(500) {
                kind = .timeout
                reason = "no answer within \(timeoutSeconds) s"
            } else {
                kind = .protocol
                reason = "connection closed"
            }
            broken = true
        case MAILIMAP_ERROR_PARSE, MAILIMAP_ERROR_PROTOCOL, MAILIMAP_ERROR_FATAL:
            kind = .protocol
            reason = "unexpected reply"
            broken = true
        case MAILIMAP_ERROR_CONNECTION_REFUSED:
            kind = elapsed >= .seconds(timeoutSeconds) - .milliseconds(500) ? .timeout : .connect
            reason = kind == .timeout ? "no answer within \(timeoutSeconds) s" : nil
            broken = true
        case MAILIMAP_ERROR_SSL, MAILIMAP_ERROR_STARTTLS:
            kind = .tls
        case MAILIMAP_ERROR_LOGIN:
            kind = .login
        case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
            kind = .connect
            reason = "the server refused the session"
        case MAILIMAP_ERROR_BAD_STATE:
            // Refused by libetpan before anything was sent (e.g. a message command with no folder selected):
            // the last response text belongs to an earlier command.
            return IMAPError(kind: .command, server: serverName, user: user, mailbox: mailbox, command: command,
                             reason: "not allowed in this session state (no folder selected, or not logged in)")
        default:
            kind = .command
        }
        return IMAPError(kind: kind, server: serverName, user: user, mailbox: mailbox, command: command,
                         serverText: serverText(), reason: reason)
    }

    /// Whether the session broke (stream error, timeout): it must be dropped and a new one opened.
    var isBroken: Bool { broken }

    /// The server's last response text, with its response code when libetpan kept one
    /// (e.g. `[AUTHENTICATIONFAILED] Authentication failed.`, RFC 5530).
    private func serverText() -> String? {
        guard let text = imap.pointee.imap_response else { return nil }
        var value = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
        if let info = imap.pointee.imap_response_info, let atom = info.pointee.rsp_atom {
            var code = String(cString: atom)
            if let extra = info.pointee.rsp_value { code += " " + String(cString: extra) }
            if !code.isEmpty, !value.hasPrefix("[") { value = "[\(code)] " + value }
        }
        return value.isEmpty ? nil : value
    }

    private static func succeeded(_ code: Int32) -> Bool {
        code == MAILIMAP_NO_ERROR || Int(code) == MAILIMAP_NO_ERROR_AUTHENTICATED
            || Int(code) == MAILIMAP_NO_ERROR_NON_AUTHENTICATED
    }

    private static func items<T>(of list: UnsafeMutablePointer<clist>?, as type: T.Type) -> [UnsafeMutablePointer<T>] {
        var pointers: [UnsafeMutablePointer<T>] = []
        var iterator = cetpan_clist_begin(list)
        while let current = iterator {
            if let data = cetpan_clist_content(current) { pointers.append(data.assumingMemoryBound(to: T.self)) }
            iterator = cetpan_clist_next(current)
        }
        return pointers
    }

    /// Sets SNI on libetpan's TLS context; `data` is a C string owned by `open()` for the duration of the call.
    private static let setServerName: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { context, data in
        guard let context, let data else { return }
        _ = mailstream_ssl_set_server_name(context, data.assumingMemoryBound(to: CChar.self))
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    private static func date(_ value: mailimap_date_time) -> Date? {
        let zone = Int(value.dt_zone)
        let offset = (zone < 0 ? -1 : 1) * ((abs(zone) / 100) * 3600 + (abs(zone) % 100) * 60)
        var calendar = Calendar(identifier: .gregorian)
        guard let timeZone = TimeZone(secondsFromGMT: offset) else { return nil }
        calendar.timeZone = timeZone
        let components = DateComponents(year: Int(value.dt_year), month: Int(value.dt_month), day: Int(value.dt_day),
                                        hour: Int(value.dt_hour), minute: Int(value.dt_min), second: Int(value.dt_sec))
        return calendar.date(from: components)
    }

    private static func makeDateTime(_ date: Date) -> UnsafeMutablePointer<mailimap_date_time>? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let hour = parts.hour,
              let minute = parts.minute, let second = parts.second else { return nil }
        return mailimap_date_time_new(Int32(day), Int32(month), Int32(year), Int32(hour), Int32(minute),
                                      Int32(second), 0)
    }
}
