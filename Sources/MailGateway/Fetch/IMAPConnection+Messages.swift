internal import CEtPan
import Foundation

/// The commands on the messages of the selected folder: UID FETCH, UID SEARCH, UID STORE, UID MOVE.
extension IMAPConnection {
    /// `UID FETCH n+1:* (UID RFC822.SIZE INTERNALDATE)`: the messages whose UID is greater than `uid`, by UID.
    /// (`n+1:*` also names the last message when every UID is <= n; it is filtered out.)
    func messages(after uid: UInt32) throws(IMAPError) -> [IMAPMessageInfo] {
        guard uid < UInt32.max else { return [] }
        guard let set = mailimap_set_new_interval(uid + 1, 0) else { throw outOfMemory("UID FETCH") }
        defer { mailimap_set_free(set) }
        let attributes = [mailimap_fetch_att_new_uid(), mailimap_fetch_att_new_rfc822_size(),
                          mailimap_fetch_att_new_internaldate()]
        if existsWhenListed == nil { existsWhenListed = imap.pointee.imap_selection_info?.pointee.sel_exists }
        let found = try uidFetch(set: set, attributes: attributes, command: "UID FETCH")
        return found.compactMap { item -> IMAPMessageInfo? in
            guard let itemUID = item.uid, itemUID > uid else { return nil }
            return IMAPMessageInfo(uid: itemUID, size: Int(item.size ?? 0), internalDate: item.internalDate)
        }.sorted { $0.uid < $1.uid }
    }

    /// `UID FETCH set (UID BODY.PEEK[])`, with `INTERNALDATE` unless `knownDates` covers every UID: whole messages,
    /// in one round trip, without setting \Seen. UIDs that no longer exist are simply absent from the result.
    /// Sorted by UID. `knownDates`: the INTERNALDATEs the listing (``messages(after:)``) already gave; when it holds
    /// every UID of the batch, INTERNALDATE is not asked again (Dovecot then reads less for each message: the
    /// batch fetch of the synth corpus took 4-8 % less, docs/benchmarks.md stop 21), and the message carries the
    /// listed date.
    func fetchMessages(uids: [UInt32], knownDates: [UInt32: Date] = [:]) throws(IMAPError) -> [IMAPFetchedMessage] {
        try fetchSections(uids: uids, section: mailimap_section_new(nil), knownDates: knownDates)
    }

    /// `UID FETCH set (UID BODY.PEEK[HEADER] INTERNALDATE)`: the header sections only (for oversize messages).
    func fetchHeaders(uids: [UInt32]) throws(IMAPError) -> [IMAPFetchedMessage] {
        try fetchSections(uids: uids, section: mailimap_section_new_header())
    }

    /// `UID SEARCH UID a:b UNSEEN`: the UIDs in `range` without \Seen, ascending.
    func unseenUIDs(in range: ClosedRange<UInt32>) throws(IMAPError) -> [UInt32] {
        try searchUIDs(in: range, flagKey: cetpan_search_key_new_unseen())
    }

    /// UIDs within `range` not flagged \Deleted, ascending (`UID SEARCH UID a:b UNDELETED`).
    func undeletedUIDs(in range: ClosedRange<UInt32>) throws(IMAPError) -> [UInt32] {
        try searchUIDs(in: range, flagKey: cetpan_search_key_new_undeleted())
    }

    /// `UID SEARCH UID a:b <flagKey>`; takes ownership of `flagKey`.
    private func searchUIDs(in range: ClosedRange<UInt32>, flagKey: UnsafeMutablePointer<mailimap_search_key>?)
        throws(IMAPError) -> [UInt32] {
        guard let flag = flagKey else { throw outOfMemory("UID SEARCH") }
        guard let key = mailimap_search_key_new_multiple_empty() else {
            mailimap_search_key_free(flag)
            throw outOfMemory("UID SEARCH")
        }
        defer { mailimap_search_key_free(key) }
        guard mailimap_search_key_multiple_add(key, flag) == MAILIMAP_NO_ERROR else {
            mailimap_search_key_free(flag)
            throw outOfMemory("UID SEARCH")
        }
        guard let set = mailimap_set_new_interval(max(1, range.lowerBound), max(1, range.upperBound)),
              let uidKey = mailimap_search_key_new_uid(set) else { throw outOfMemory("UID SEARCH") }
        guard mailimap_search_key_multiple_add(key, uidKey) == MAILIMAP_NO_ERROR else {
            mailimap_search_key_free(uidKey)
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

    struct FetchedItem {
        var uid: UInt32?
        var size: UInt32?
        var internalDate: Date?
        var body: [UInt8]?
    }

    func fetchSections(uids: [UInt32], section: UnsafeMutablePointer<mailimap_section>?,
                       knownDates: [UInt32: Date] = [:]) throws(IMAPError) -> [IMAPFetchedMessage]
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
        var attributes = [mailimap_fetch_att_new_uid(), mailimap_fetch_att_new_body_peek_section(section)]
        if uids.contains(where: { knownDates[$0] == nil }) { attributes.append(mailimap_fetch_att_new_internaldate()) }
        let wanted = Set(uids)
        return try uidFetch(set: set, attributes: attributes, command: "UID FETCH").compactMap { item in
            guard let uid = item.uid, wanted.contains(uid), let body = item.body else { return nil }
            return IMAPFetchedMessage(uid: uid, bytes: body, internalDate: item.internalDate ?? knownDates[uid])
        }.sorted { $0.uid < $1.uid }
    }

    /// Runs one `UID FETCH` with the given attributes (ownership of each is taken, even on failure).
    func uidFetch(set: UnsafeMutablePointer<mailimap_set>,
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
}
