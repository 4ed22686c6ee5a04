public import Foundation

/// Reads the JSON configuration, applies environment overrides and validates everything, reporting every problem
/// with its JSON path (`ConfigError`). Relative paths in the file (database, templates, CA files) are resolved
/// against the folder of the configuration file.
///
/// Environment overrides (deployment and tests): `MAILGATEWAY_DATABASE`, `MAILGATEWAY_IMAP_HOST`,
/// `MAILGATEWAY_IMAP_PORT`, `MAILGATEWAY_IMAP_TLS`, `MAILGATEWAY_SMTP_HOST`, `MAILGATEWAY_SMTP_PORT`,
/// `MAILGATEWAY_SMTP_TLS`, `MAILGATEWAY_TEMPLATES`. The IMAP ones apply to every list's mailbox.
public struct ConfigLoader: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Every variable ``load(path:checkSecrets:)`` reads when it does not check secrets: the overrides and
    /// `MAILGATEWAY_CONFIG` (``resolvePath(_:)``).
    public static let overrideVariables = ["MAILGATEWAY_CONFIG", "MAILGATEWAY_DATABASE", "MAILGATEWAY_TEMPLATES"]
        + ["IMAP", "SMTP"].flatMap { server in ["HOST", "PORT", "TLS"].map { "MAILGATEWAY_\(server)_\($0)" } }

    /// A loader for the commands that only read (`checkSecrets: false`): it takes from the process's environment
    /// only ``overrideVariables``, by `getenv`, instead of the whole of it (`ProcessInfo.environment`, 4 % of an
    /// `archive search` process; docs/benchmarks.md).
    public static func withoutSecrets() -> ConfigLoader {
        var environment: [String: String] = [:]
        for name in overrideVariables {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return ConfigLoader(environment: environment)
    }

    /// The configuration file to use: the explicit one, else `MAILGATEWAY_CONFIG`, else `./config.json`.
    public func resolvePath(_ explicit: String?) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = environment["MAILGATEWAY_CONFIG"], !env.isEmpty { return env }
        return "config.json"
    }

    /// Loads and validates the file. `checkSecrets` also reports password variables that are not set.
    public func load(path: String, checkSecrets: Bool = true) throws(ConfigError) -> GatewayConfig {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(file: path, problems: [ConfigProblem(path: "$", reason: "cannot read the file (\(Self.reason(error)))")])
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw ConfigError(file: path, problems: [ConfigProblem(path: "$", reason: "not valid JSON (\(Self.reason(error)))")])
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try decode(json, file: path, base: base, checkSecrets: checkSecrets)
    }

    private static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let detail = ns.userInfo["NSDebugDescription"] as? String { return detail }
        return ns.localizedDescription
    }

    /// Decodes an already-parsed JSON value (exposed for tests).
    public func decode(_ json: Any, file: String, base: URL, checkSecrets: Bool) throws(ConfigError) -> GatewayConfig {
        var problems: [ConfigProblem] = []
        guard var root = JSONObjectReader(json, path: "$", problems: &problems) else {
            throw ConfigError(file: file, problems: problems)
        }
        func resolved(_ p: String?) -> String? {
            guard let p else { return nil }
            return p.hasPrefix("/") ? p : base.appendingPathComponent(p).standardizedFileURL.path
        }
        let platformName = root.string("platform_name", default: "4 per 1000") ?? "4 per 1000"
        var database = resolved(root.string("database")) ?? ""
        let poll = root.int("poll_interval_seconds", default: 60, range: 1...86_400) ?? 60
        let maxBytes = root.int("max_message_bytes", default: 50 * 1024 * 1024, range: 1024...(2 << 30)) ?? 50 * 1024 * 1024
        let webBase = root.string("web_base_url", required: false)
        if let webBase, !(webBase.hasPrefix("https://") || webBase.hasPrefix("http://")) {
            root.fail("web_base_url", "must start with https:// (or http://)")
        }
        let authserv = root.string("trusted_authserv_id", required: false)
        let secretariat = root.stringArray("secretariat")
        for (i, a) in secretariat.enumerated() {
            if let problem = AddressSyntax.problem(a) {
                problems.append(ConfigProblem(path: "$.secretariat[\(i)]", reason: "not a valid email address: \(problem)"))
            }
        }
        let strictRaw = root.raw("dmarc_strict_domains")
        var strict = GatewayConfig.defaultDMARCStrictDomains
        if strictRaw != nil {
            strict = root.stringArray("dmarc_strict_domains").map { $0.lowercased() }
        }
        var templates = resolved(root.string("templates_directory", default: "templates")) ?? "templates"
        var imap = server(root.raw("imap"), path: "$.imap", problems: &problems, base: base)
        var smtp = server(root.raw("smtp"), path: "$.smtp", problems: &problems, base: base)
        let moderation = moderationSettings(root.raw("moderation"), problems: &problems)
        let delivery = deliverySettings(root.raw("delivery"), problems: &problems)
        let digest = digestSettings(root.raw("digest"), problems: &problems)
        let http = httpSettings(root.raw("http"), problems: &problems)
        let dmarc = dmarcSettings(root.raw("dmarc"), problems: &problems)
        let bounces = bounceSettings(root.raw("bounces"), problems: &problems)

        var lists: [ListConfig] = []
        if let rawLists = root.raw("lists") {
            if let array = rawLists as? [Any] {
                if array.isEmpty { problems.append(ConfigProblem(path: "$.lists", reason: "must name at least one list")) }
                for (i, item) in array.enumerated() {
                    if let l = list(item, path: "$.lists[\(i)]", problems: &problems) { lists.append(l) }
                }
            } else {
                problems.append(ConfigProblem(path: "$.lists", reason: "must be an array, found \(JSONObjectReader.kind(of: rawLists))"))
            }
        } else {
            problems.append(ConfigProblem(path: "$.lists", reason: "missing (an array of lists is required)"))
        }
        root.finish(into: &problems)

        // Duplicates, checked on the raw entries so that a list with other problems is still compared.
        var seenIDs: [String: Int] = [:]
        var seenAddresses: [String: Int] = [:]
        for (i, item) in ((json as? [String: Any])?["lists"] as? [Any] ?? []).enumerated() {
            let entry = item as? [String: Any]
            if let id = entry?["id"] as? String {
                if let first = seenIDs[id] {
                    problems.append(ConfigProblem(path: "$.lists[\(i)].id", reason: "duplicate list id \"\(id)\" (also $.lists[\(first)])"))
                } else { seenIDs[id] = i }
            }
            if let address = entry?["address"] as? String, AddressSyntax.isValid(address) {
                let a = AddressSyntax.canonicalKey(address)
                if let first = seenAddresses[a] {
                    problems.append(ConfigProblem(path: "$.lists[\(i)].address", reason: "duplicate list address (also $.lists[\(first)])"))
                } else { seenAddresses[a] = i }
            }
        }

        // Environment overrides.
        if let v = environment["MAILGATEWAY_DATABASE"], !v.isEmpty { database = v }
        if let v = environment["MAILGATEWAY_TEMPLATES"], !v.isEmpty { templates = v }
        applyOverrides(prefix: "MAILGATEWAY_IMAP", to: &imap, problems: &problems)
        applyOverrides(prefix: "MAILGATEWAY_SMTP", to: &smtp, problems: &problems)
        if environment["MAILGATEWAY_IMAP_HOST"].map({ !$0.isEmpty }) == true ||
            environment["MAILGATEWAY_IMAP_PORT"].map({ !$0.isEmpty }) == true ||
            environment["MAILGATEWAY_IMAP_TLS"].map({ !$0.isEmpty }) == true {
            for i in lists.indices {
                // An override points every mailbox at the same server (tests, a local relay).
                lists[i].mailbox.host = nil
                lists[i].mailbox.port = nil
                lists[i].mailbox.tls = nil
            }
        }

        let config = GatewayConfig(
            platformName: platformName, database: database, pollIntervalSeconds: poll, maxMessageBytes: maxBytes,
            imap: imap ?? ServerConfig(host: "", port: 0, tls: .tls), smtp: smtp ?? ServerConfig(host: "", port: 0, tls: .tls),
            webBaseURL: webBase, trustedAuthservID: authserv, secretariat: secretariat, dmarcStrictDomains: strict, dmarc: dmarc,
            templatesDirectory: templates,
            moderation: moderation, delivery: delivery, digest: digest, http: http, lists: lists, bounces: bounces)

        if checkSecrets && imap != nil && smtp != nil {
            let secrets = Secrets(environment: environment)
            if config.smtp.user != nil {
                if let p = secrets.problem(env: config.smtp.passwordEnv, file: config.smtp.passwordFile) {
                    problems.append(ConfigProblem(path: "$.smtp", reason: p))
                }
            }
            for (i, l) in config.lists.enumerated() {
                let s = config.imapServer(for: l)
                if let p = secrets.problem(env: s.passwordEnv, file: s.passwordFile) {
                    problems.append(ConfigProblem(path: "$.lists[\(i)].mailbox", reason: p))
                }
            }
            if let p = secrets.keyProblem(env: config.moderation.keyEnv, file: config.moderation.keyFile) {
                problems.append(ConfigProblem(path: "$.moderation", reason: p))
            }
        }
        if !problems.isEmpty { throw ConfigError(file: file, problems: problems) }
        return config
    }

    private func applyOverrides(prefix: String, to server: inout ServerConfig?, problems: inout [ConfigProblem]) {
        guard server != nil else { return }
        if let v = environment["\(prefix)_HOST"], !v.isEmpty { server?.host = v }
        if let v = environment["\(prefix)_PORT"], !v.isEmpty {
            if let p = Int(v), (1...65_535).contains(p) { server?.port = p } else {
                problems.append(ConfigProblem(path: "env:\(prefix)_PORT", reason: "\"\(v)\" is not a port number"))
            }
        }
        if let v = environment["\(prefix)_TLS"], !v.isEmpty {
            if let t = TLSMode(rawValue: v) { server?.tls = t } else {
                problems.append(ConfigProblem(path: "env:\(prefix)_TLS", reason: "\"\(v)\" is not one of: none, starttls, tls"))
            }
        }
    }

    private func server(_ value: Any?, path: String, problems: inout [ConfigProblem], base: URL) -> ServerConfig? {
        guard var r = JSONObjectReader(value, path: path, problems: &problems) else { return nil }
        let host = r.string("host")
        let port = r.int("port", range: 1...65_535)
        let tls = r.enumValue("tls", TLSMode.self)
        let user = r.string("user", required: false)
        let passwordEnv = r.string("password_env", required: false)
        let passwordFile = r.string("password_file", required: false)
        let caFile = r.string("ca_file", required: false).map { $0.hasPrefix("/") ? $0 : base.appendingPathComponent($0).path }
        if let passwordEnv, !Self.isEnvName(passwordEnv) { r.fail("password_env", Self.notAnEnvName("password_env")) }
        if path == "$.smtp" && user != nil && passwordEnv == nil && passwordFile == nil {
            r.fail("password_env", "missing: a server with a user needs password_env or password_file")
        }
        if r.raw("password") != nil {
            r.fail("password", "passwords are never written in the configuration: use password_env or password_file")
        }
        r.finish(into: &problems)
        guard let host, let port, let tls else { return nil }
        return ServerConfig(host: host, port: port, tls: tls, user: user, passwordEnv: passwordEnv,
                            passwordFile: passwordFile, caFile: caFile)
    }

    private func list(_ value: Any, path: String, problems: inout [ConfigProblem]) -> ListConfig? {
        guard var r = JSONObjectReader(value, path: path, problems: &problems) else { return nil }
        let id = r.string("id")
        if let id, !Self.isListID(id) {
            r.fail("id", "\"\(id)\" must be lower-case letters, digits and dashes")
        }
        let kind = r.enumValue("kind", ListKind.self)
        let college = r.enumValue("college", College.self, required: kind == .college)
        if kind != nil && kind != .college && college != nil { r.fail("college", "only college lists name a college") }
        var name: LocalizedName?
        if var n = JSONObjectReader(r.raw("name"), path: r.child("name"), problems: &problems) {
            let fr = n.string("fr"), en = n.string("en"), es = n.string("es", required: false)
            n.finish(into: &problems)
            if let fr, let en { name = LocalizedName(fr: fr, en: en, es: es) }
        } else if r.problems.isEmpty {
            // already reported by the reader
        }
        let address = r.string("address")
        if let address, let problem = AddressSyntax.problem(address) {
            r.fail("address", "not a valid email address: \(problem)")
        } else if let address, case let parts = MailAddress.split(address), parts.domain != nil,
                  parts.localPart.utf8.count > VERP.maxListLocalPart {
            r.fail("address", "the part before @ must be at most \(VERP.maxListLocalPart) characters (room for the bounce address)")
        }
        let language = r.enumValue("language", Language.self)
        let prefix = r.string("subject_prefix", required: false)
        let posting = r.enumValue("posting", PostingRight.self, required: false)
        let maxPost = r.int("max_post_bytes", required: false, range: 1024...(2 << 30))
        let nonMember = r.enumValue("non_member_action", NonMemberAction.self, default: .reject)
        let fromRewrite = r.enumValue("from_rewrite", FromRewrite.self, default: .whenDMARC)
        let replyTo = r.enumValue("reply_to", ReplyTo.self, default: .author)
        let roster = r.enumValue("roster_visibility", RosterVisibility.self, default: .moderators)
        if roster == .members, kind == .announce {
            // Everyone in the register is a member of the announcement list: `members` would show every partner's
            // address to every partner.
            r.fail("roster_visibility", "an announcement list's roster is for its moderators only (everyone in the register is a member)")
        }
        let personalize = r.bool("personalize", required: false) ?? true
        var mailbox: MailboxConfig?
        if var m = JSONObjectReader(r.raw("mailbox"), path: r.child("mailbox"), problems: &problems) {
            let host = m.string("host", required: false)
            let port = m.int("port", required: false, range: 1...65_535)
            let tls = m.enumValue("tls", TLSMode.self, required: false)
            let user = m.string("user")
            let passwordEnv = m.string("password_env", required: false)
            let passwordFile = m.string("password_file", required: false)
            if let passwordEnv, !Self.isEnvName(passwordEnv) { m.fail("password_env", Self.notAnEnvName("password_env")) }
            if m.raw("password") != nil {
                m.fail("password", "passwords are never written in the configuration: use password_env or password_file")
            }
            let folder = m.string("folder", default: "INBOX") ?? "INBOX"
            let processed = m.string("processed_folder", required: false)
            if let processed, processed == folder { m.fail("processed_folder", "must differ from folder") }
            m.finish(into: &problems)
            if let user {
                mailbox = MailboxConfig(host: host, port: port, tls: tls, user: user, passwordEnv: passwordEnv,
                                        passwordFile: passwordFile, folder: folder, processedFolder: processed)
            }
        }
        var digest: DigestOverride?
        if r.raw("digest") != nil, var d = JSONObjectReader(r.raw("digest"), path: r.child("digest"), problems: &problems) {
            digest = digestTimes(&d)
            d.finish(into: &problems)
        }
        r.finish(into: &problems)
        guard let id, let kind, let name, let address, let language, let mailbox else { return nil }
        var config = ListConfig(id: id, kind: kind, college: college, name: name, address: address, language: language,
                                subjectPrefix: prefix, mailbox: mailbox, posting: posting, maxPostBytes: maxPost,
                                nonMemberAction: nonMember, fromRewrite: fromRewrite)
        config.digest = digest
        config.replyTo = replyTo
        config.rosterVisibility = roster
        config.personalize = personalize
        return config
    }

    private func moderationSettings(_ value: Any?, problems: inout [ConfigProblem]) -> ModerationSettings {
        guard var r = JSONObjectReader(value, path: "$.moderation", problems: &problems, required: false) else { return .init() }
        let d = ModerationSettings()
        let days = r.int("hold_days", required: false, range: 1...365) ?? d.holdDays
        let keyEnv = r.string("key_env", required: false) ?? d.keyEnv
        if !Self.isEnvName(keyEnv) { r.fail("key_env", Self.notAnEnvName("key_env")) }
        let keyFile = r.string("key_file", required: false)
        let perHour = r.int("requests_per_hour", required: false, range: 1...10_000) ?? d.requestsPerHour
        r.finish(into: &problems)
        return ModerationSettings(holdDays: days, keyEnv: keyEnv, keyFile: keyFile, requestsPerHour: perHour)
    }

    private func deliverySettings(_ value: Any?, problems: inout [ConfigProblem]) -> DeliverySettings {
        guard var r = JSONObjectReader(value, path: "$.delivery", problems: &problems, required: false) else { return .init() }
        let d = DeliverySettings()
        let s = DeliverySettings(
            connections: r.int("connections", required: false, range: 1...64) ?? d.connections,
            retryHours: r.int("retry_hours", required: false, range: 1...720) ?? d.retryHours,
            backoffSeconds: r.int("backoff_seconds", required: false, range: 1...86_400) ?? d.backoffSeconds,
            maxBackoffSeconds: r.int("max_backoff_seconds", required: false, range: 1...604_800) ?? d.maxBackoffSeconds,
            heloName: r.string("helo_name", required: false) ?? d.heloName,
            maxMessagesPerMinute: r.int("max_messages_per_minute", required: false, range: 1...1_000_000))
        r.finish(into: &problems)
        return s
    }

    private func dmarcSettings(_ value: Any?, problems: inout [ConfigProblem]) -> DMARCSettings {
        guard var r = JSONObjectReader(value, path: "$.dmarc", problems: &problems, required: false) else { return .init() }
        let d = DMARCSettings()
        let nameserver = r.string("nameserver", required: false)
        if let nameserver, !DMARCSettings.isNameserver(nameserver) {
            r.fail("nameserver", "\"\(nameserver)\" is not an IPv4 address with an optional :port")
        }
        let s = DMARCSettings(dns: r.bool("dns", required: false) ?? d.dns,
                              timeoutSeconds: r.int("timeout_seconds", required: false, range: 1...30) ?? d.timeoutSeconds,
                              nameserver: nameserver)
        r.finish(into: &problems)
        return s
    }

    private func digestSettings(_ value: Any?, problems: inout [ConfigProblem]) -> DigestSettings {
        guard var r = JSONObjectReader(value, path: "$.digest", problems: &problems, required: false) else { return .init() }
        // `hour_utc` (deprecated, read by no version) stands for `time` in UTC when `time` is not given.
        let hourUTC = r.int("hour_utc", required: false, range: 0...23)
        let times = digestTimes(&r)
        r.finish(into: &problems)
        var s = hourUTC.map(DigestSettings.init(hourUTC:)) ?? DigestSettings()
        if let time = times.time { s.time = time }
        if let zone = times.timeZone { s.timeZone = zone }
        return s
    }

    /// `time` (`HH:MM`) and `time_zone` (IANA) of a `digest` object, checked.
    package func digestTimes(_ r: inout JSONObjectReader) -> DigestOverride {
        let time = r.string("time", required: false)
        if let time, DigestSettings.parseTime(time) == nil { r.fail("time", "\"\(time)\" is not a time HH:MM (00:00-23:59)") }
        let zone = r.string("time_zone", required: false)
        if let zone, !DigestSettings.isTimeZone(zone) { r.fail("time_zone", "\"\(zone)\" is not an IANA time zone") }
        return DigestOverride(time: time, timeZone: zone)
    }

    /// True for an address `AddressSyntax` accepts (RFC 5321, ASCII).
    public static func isAddress(_ s: String) -> Bool { AddressSyntax.isValid(s) }

    /// Said of a `password_env` or `key_env` that is not a variable name; the value itself is never repeated
    /// (an operator who put the secret there would find it in the journal).
    package static func notAnEnvName(_ key: String) -> String {
        "the value of \(key) is not a valid environment variable name (letters, digits, _): give the NAME of the variable holding the secret, never the secret"
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`. Checked byte by byte, as ``isListID(_:)``: an `NSRegularExpression` cost every
    /// command ICU's regex set-up (1.5 ms, a tenth of `archive search`).
    package static func isEnvName(_ s: String) -> Bool {
        guard let first = s.utf8.first, first == UInt8(ascii: "_") || isASCIILetter(first) else { return false }
        return s.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isASCIILetter($0) || isASCIIDigit($0) }
    }

    /// A list id: 1 to 64 of lower-case ASCII letters, digits and dashes, not starting with a dash.
    static func isListID(_ s: String) -> Bool {
        func allowed(_ c: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || isASCIIDigit(c) }
        guard let first = s.utf8.first, allowed(first), s.utf8.count <= 64 else { return false }
        return s.utf8.allSatisfy { allowed($0) || $0 == UInt8(ascii: "-") }
    }

    private static func isASCIILetter(_ c: UInt8) -> Bool { (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") }
    private static func isASCIIDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}
