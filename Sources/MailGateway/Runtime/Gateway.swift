public import Foundation
public import Logging
import GRDB

/// The assembled gateway: the database with every area's migrations, and the ingest pipeline built from the
/// configuration and the templates. Commands and the daemon start from here.
public struct Gateway: Sendable {
    public let config: GatewayConfig
    public let database: GatewayStore
    public let pipeline: IngestPipeline
    public let secrets: Secrets
    /// This run of the gateway (process id and a random part): what the outbox's `claimed_by` and the ingest
    /// progress markers record, so that a row left by a process that is gone can be told from one of this run.
    public let runID: String
    /// The one-click unsubscribe key (from the moderation secret); nil when the secret is not set.
    public let unsubscribeKey: UnsubscribeKey?
    /// Last successful pass over each list's mailbox in this process (`/healthz`).
    public let mailboxPasses = MailboxPassLog()

    /// Opens the database (`GatewayStore.open(config:busyTimeout:)`), loads the templates and the keys.
    /// - Parameters:
    ///   - busyTimeout: how long a write waits for the lock another process holds (the daemon's transactions are
    ///     short; a bulk command may wait longer).
    ///   - holdingProcessLock: the caller holds the process lock (`run`): migrations may run without taking it.
    public init(config: GatewayConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
                busyTimeout: TimeInterval = 10, holdingProcessLock: Bool = false) throws {
        self.config = config
        self.secrets = Secrets(environment: environment)
        self.runID = "\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
        database = try GatewayStore.open(config: config, busyTimeout: busyTimeout, holdingProcessLock: holdingProcessLock)
        let notices = try NoticeComposer(templatesDirectory: config.templatesDirectory)
        let footers = try PostDistributor.loadFooters(templatesDirectory: config.templatesDirectory)
        let secret = secrets.value(env: config.moderation.keyEnv, file: config.moderation.keyFile)
        let key = secret.flatMap(ModerationKey.init(secret:))
        unsubscribeKey = secret.map(UnsubscribeKey.init(secret:))
        let strict = DMARCLookup.strictDomains(config.dmarcStrictDomains)
        let resolver = try config.dmarc.dns
            ? DMARCResolver(resolver: DNSResolver(nameserver: config.dmarc.nameserver,
                                                  timeout: config.dmarc.timeoutSeconds), fallback: strict)
            : nil
        let distributor = PostDistributor(webBaseURL: config.webBaseURL, footers: footers, dmarc: strict,
                                          dmarcResolver: resolver,
                                          oneClick: Self.oneClickLinks(config: config, key: unsubscribeKey),
                                          secretariat: config.secretariat.first,
                                          bounceKey: secret.map(BounceToken.key(secret:)))
        pipeline = IngestPipeline(config: config, notices: notices, distributor: distributor, moderationKey: key)
    }

    /// The one-click links copies advertise: only with the HTTP listener configured with its public base URL, and
    /// the gateway's secret (CM-13: advertise only what works).
    public static func oneClickLinks(config: GatewayConfig, key: UnsubscribeKey?) -> OneClickLinks? {
        guard let base = config.http?.publicBaseURL, let key else { return nil }
        return OneClickLinks(baseURL: base, key: key)
    }

    /// The moderation queue, when a key is configured (needed to sign and verify tokens).
    public var moderationQueue: ModerationQueue? {
        pipeline.moderationKey.map { ModerationQueue(writer: database.pool, key: $0) }
    }

    /// Decides a hold from the CLI and carries the decision out, in one transaction. With `acceptSender` (an
    /// approval only), the held post's author becomes an allowed sender of the list from now on.
    public func decideHold(_ id: Int64, action: ModeratorAction, reason: String?, by moderator: String,
                           acceptSender: Bool = false, now: Date = Date()) throws -> ModerationOutcome {
        let actions = ModerationActions(pipeline: pipeline)
        return try database.pool.write { db in
            let outcome = try ModerationQueue.decide(id, action: action, reason: reason, by: moderator, now: now, in: db)
            try actions.carryOut(db, outcome: outcome, now: now)
            if acceptSender, action == .approve { try actions.acceptSender(db, of: outcome.hold, by: moderator, now: now) }
            return outcome
        }
    }

    /// Looks up the DMARC policy of a held post's author before its approval (`decideHold` composes the copies in
    /// a transaction, which does no I/O): a post approved by a process that never saw it, such as the CLI, follows
    /// the author domain's published policy, not only the fixed list. Returns the resolution, nil when nothing was
    /// looked up (no hold, no DNS, or the list does not rewrite by DMARC).
    @discardableResult
    public func prepareDMARC(forHold id: Int64) async -> DMARCResolution? {
        let lists = config.lists
        let held: (ListConfig, ParsedMessage)? = try? await database.pool.read { db in
            guard let hold = try HoldRecord.hold(id: id, in: db),
                  let list = lists.first(where: { $0.id == hold.listID }) else { return nil }
            return (list, try ModerationActions.message(db, rowID: hold.messageRowID).1)
        }
        guard let (list, parsed) = held else { return nil }
        return await pipeline.distributor.prepareDMARC(for: parsed, list: list)
    }

    /// Expires overdue holds and queues the notices to their authors (CLI, maintenance service, `run --once`).
    @discardableResult
    public func expireHolds(now: Date = Date()) async throws -> [Hold] {
        let actions = ModerationActions(pipeline: pipeline)
        return try await database.pool.write { db in try actions.expireHolds(db, now: now) }
    }

    /// The bounce actions of this gateway (probes, warnings, removals, policy alerts; ``BounceActions``).
    public var bounceActions: BounceActions {
        BounceActions(config: config, notices: pipeline.notices, bounceKey: pipeline.distributor.bounceKey)
    }

    /// One pass of the bounce actions, in one transaction (the maintenance service, `run --once`).
    @discardableResult
    public func runBounceActions(now: Date = Date()) async throws -> BounceActions.Report {
        let actions = bounceActions
        return try await database.pool.write { db in try actions.run(db, now: now) }
    }

    /// A client logged in to a list's mailbox (password from the environment or a file), for the watcher and
    /// `run --once`. The caller logs out.
    public func connectedClient(for list: ListConfig, logger: Logger) async throws -> (IMAPClient, IMAPCapabilities) {
        let client = IMAPClient(server: config.imapServer(for: list), logger: logger)
        guard let password = imapPassword(for: list) else {
            throw IMAPError(kind: .login, server: "\(client.server.host):\(client.server.port)", user: client.server.user,
                            command: "LOGIN", reason: "the mailbox password is not set (see check-config)")
        }
        do {
            return (client, try await client.connect(password: password))
        } catch {
            await client.logout()
            throw error
        }
    }

    /// The IMAP password of a list's mailbox.
    public func imapPassword(for list: ListConfig) -> String? {
        let server = config.imapServer(for: list)
        return secrets.value(env: server.passwordEnv, file: server.passwordFile)
    }
}

extension GatewayStore {
    /// Opens the database the configuration names (creating it and running the migrations as needed) and
    /// registers the configured lists, without loading templates or keys: what `Gateway` starts from, and all
    /// that the administrative commands that only read or edit tables need.
    /// - Parameters:
    ///   - busyTimeout: how long a write waits for the lock another process holds.
    ///   - holdingProcessLock: the caller holds the process lock (`run`): migrations may run without taking it.
    public static func open(config: GatewayConfig, busyTimeout: TimeInterval = 10,
                            holdingProcessLock: Bool = false) throws -> GatewayStore {
        let folder = (config.database as NSString).deletingLastPathComponent
        if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
            throw ArchiveError("the database folder does not exist", path: folder)
        }
        let database: GatewayStore
        do {
            database = try GatewayStore(path: config.database, busyTimeout: busyTimeout,
                                        holdingProcessLock: holdingProcessLock)
        } catch let error as DatabaseError {
            throw ArchiveError("cannot open the database: \(error.message ?? "\(error.resultCode)")", path: config.database)
        }
        let lists = config.lists
        try database.pool.write { db in
            for list in lists { try ArchiveWriter.registerList(db, id: list.id, address: list.address) }
        }
        return database
    }
}
