public import GRDB

extension PostContext {
    /// Builds the context for a post inside the caller's (ingest) transaction: looks the first From address
    /// up in the directory and takes the rest from the configuration.
    ///
    /// - Parameters:
    ///   - ownListIDs: the List-Id values our distribution writes (without angle brackets), for every list; the
    ///     distribute stage defines them.
    ///   - ownAddresses: extra addresses of ours (bounce, owner, request) besides each list's posting address
    ///     and its `-owner` address, which are always included.
    public static func make(message: ParsedMessage, rawSize: Int, list: ListConfig, config: GatewayConfig,
                            ownListIDs: Set<String>, ownAddresses: Set<String> = [],
                            in db: Database) throws -> PostContext {
        var identity: SenderIdentity?
        if let author = message.from.first {
            identity = try PersonRecord.identity(of: author.address, in: db)
        }
        var addresses = ownAddresses
        for l in config.lists {
            addresses.insert(MailAddress(address: l.address).normalized)
            addresses.insert(NoticeComposer.ownerAddress(of: l))
        }
        var context = PostContext(message: message, rawSize: rawSize, list: list, sender: identity, lists: config.lists,
                                  ownListIDs: ownListIDs, ownAddresses: addresses,
                                  trustedAuthservID: config.trustedAuthservID,
                                  secretariat: Set(config.secretariat.map { MailAddress(address: $0).normalized }))
        try context.addDirectoryFacts(in: db)
        return context
    }

    /// Fills in what the rules need besides the sender's identity, from the store and the lists (every builder
    /// of a context calls this, so the rules always see the same facts): whether the From is an allowed sender
    /// of the list, and whether the message replies to a whole digest.
    public mutating func addDirectoryFacts(in db: Database) throws {
        isAllowedSender = try Self.isAllowedSender(message, list: list, in: db)
        repliesToDigest = Self.repliesToDigest(message, lists: lists)
    }

    /// Whether the first From address is an allowed sender of `list` (a moderator's "approve and accept").
    public static func isAllowedSender(_ message: ParsedMessage, list: ListConfig, in db: Database) throws -> Bool {
        guard let author = message.from.first, !author.address.isEmpty else { return false }
        return try AllowedSenderRecord.contains(db, listID: list.id, address: author.address)
    }
}
