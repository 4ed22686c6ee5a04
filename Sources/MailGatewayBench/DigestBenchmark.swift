public import Foundation
import Digest
import GRDB
public import Logging
import MailGateway

/// The digest benchmark (issue 9): `members` people, each reading one of 11 lists (5 colleges, funders,
/// individuals, 4 interfaces) as a daily digest, `posts` accepted posts spread over the lists on one day, then
/// one `DigestRun` at the next day's digest time, with the real renderer and templates: every member's issue is
/// selected, rendered (text + HTML), recorded and enqueued, one transaction per member, as the daemon does.
/// Not a test: it measures and reports.
public enum DigestBenchmark {
    /// What to run.
    public struct Parameters: Sendable {
        public var members: Int
        public var posts: Int
        public var templatesDirectory: String
        /// Folder for the temporary database (deleted afterwards).
        public var workDirectory: URL

        public init(members: Int = 10_000, posts: Int = 300, templatesDirectory: String,
                    workDirectory: URL = FileManager.default.temporaryDirectory) {
            self.members = members
            self.posts = posts
            self.templatesDirectory = templatesDirectory
            self.workDirectory = workDirectory
        }
    }

    /// The figures.
    public struct Report: Sendable, Codable {
        public var members: Int
        public var memberships: Int
        public var lists: Int
        public var posts: Int
        /// Issues recorded and enqueued by the run (members whose list had posts).
        public var issues: Int
        public var copies: Int
        /// Building the directory and ingesting the posts (not measured as the digest's cost).
        public var setupSeconds: Double
        /// The digest run alone.
        public var runSeconds: Double
        /// The process's CPU time (user + system) during the run: the figure a loaded machine does not distort.
        public var runCPUSeconds: Double
        /// Bytes of the outbox bodies the run stored (one per issue part).
        public var storedBytes: Int
        /// Peak resident set of the process (getrusage), bytes.
        public var peakRSSBytes: Int
        public var digestsPerSecond: Double { runSeconds > 0 ? Double(issues) / runSeconds : 0 }
        /// Issues per second of CPU time.
        public var digestsPerCPUSecond: Double { runCPUSeconds > 0 ? Double(issues) / runCPUSeconds : 0 }
    }

    /// The 11 lists of the platform.
    static func lists() -> [ListConfig] {
        func list(_ id: String, _ kind: ListKind, _ college: College? = nil, _ name: String) -> ListConfig {
            ListConfig(id: id, kind: kind, college: college, name: LocalizedName(fr: name, en: name),
                       address: "\(id)@lists.example.org", language: .fr, subjectPrefix: "[\(name)]",
                       mailbox: MailboxConfig(user: id, passwordEnv: "UNUSED"))
        }
        return College.allCases.map { list("college-\($0.rawValue)", .college, $0, $0.rawValue) } + [
            list("funders", .funders, nil, "funders"), list("individuals", .individuals, nil, "individuals"),
            list("interface-knowledge", .interface, nil, "knowledge"), list("interface-policies", .interface, nil, "policies"),
            list("interface-research", .interface, nil, "research"), list("interface-projects", .interface, nil, "projects"),
        ]
    }

    /// The process's user + system CPU time so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// Runs the benchmark.
    public static func run(_ parameters: Parameters, logger: Logger) throws -> Report {
        let folder = parameters.workDirectory.appendingPathComponent("mailgateway-digest-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let lists = lists()
        let config = GatewayConfig(platformName: "4p1000", database: folder.appendingPathComponent("bench.sqlite").path,
                                   imap: ServerConfig(host: "127.0.0.1", port: 1, tls: .none),
                                   smtp: ServerConfig(host: "127.0.0.1", port: 1, tls: .none),
                                   templatesDirectory: parameters.templatesDirectory, lists: lists)
        let setupStart = Date()
        let gateway = try Gateway(config: config, environment: [:])
        let pool = gateway.database.pool
        let directory = MemberDirectory(writer: pool, lists: lists)

        // Person i reads list i % 11: a college's through their organisation, the funders' through a funder
        // organisation, the individuals' as an individual, an interface's by joining it (their organisation's
        // college list is then theirs too, delivered to nobody: `none`).
        var csv = "organisation,country,college,funder,person,email,language\n"
        let languages = ["fr", "en", "es"]
        var people: [(address: String, list: ListConfig)] = []
        for i in 0..<parameters.members {
            let list = lists[i % lists.count]
            let address = "m\(i)@org\(i % 97).example"
            let language = languages[i % 3]
            switch list.kind {
            case .college:
                csv += "Org \(list.college!.rawValue) \(i % 40),France,\(list.college!.rawValue),no,Member \(i),\(address),\(language)\n"
            case .funders:
                csv += "Funder \(i % 20),France,research,yes,Member \(i),\(address),\(language)\n"
            case .individuals:
                csv += ",,,,Member \(i),\(address),\(language)\n"
            default:
                csv += "Org interface \(i % 40),France,states,no,Member \(i),\(address),\(language)\n"
            }
            people.append((address, list))
        }
        _ = try directory.importRegister(try PartnerRegister(csv: Array(csv.utf8)))
        var memberships = 0
        for person in people {
            for list in lists {
                let members = list.id == person.list.id
                if members, list.kind == .interface {
                    try directory.addMember(listID: list.id, address: person.address, delivery: .digest)
                    memberships += 1
                } else if members {
                    try directory.setMember(listID: list.id, address: person.address, delivery: .digest)
                    memberships += 1
                }
            }
            if person.list.kind == .interface || person.list.kind == .funders {
                // Their register list (a college) gets nothing: only the measured list is read as a digest.
                for other in lists where other.kind == .college && other.id != person.list.id {
                    try? directory.setMember(listID: other.id, address: person.address, delivery: DeliveryMode.none)
                }
            }
        }

        // The posts: one day, spread over the lists, each from a member of its list.
        let day = ISO8601DateFormatter().date(from: "2026-12-01T10:00:00Z")!
        var quiet = logger
        quiet.logLevel = .warning
        for k in 0..<parameters.posts {
            let listIndex = k % lists.count
            let list = lists[listIndex]
            let author = people[listIndex + lists.count * (k / lists.count % max(1, people.count / lists.count))]
            let raw = Array("""
                From: Member <\(author.address)>\r
                To: \(list.address)\r
                Subject: Soil carbon, measurement \(k)\r
                Message-ID: <post\(k)@bench.example>\r
                Date: Tue, 01 Dec 2026 10:00:00 +0000\r
                MIME-Version: 1.0\r
                Content-Type: text/plain; charset=utf-8\r
                \r
                Bonjour à tous,\r
                voici les mesures de carbone des sols de la parcelle \(k), avec la méthode habituelle.\r
                Les résultats détaillés suivent dans le rapport de la semaine prochaine.\r
                """.utf8)
            try pool.write { db in
                _ = try gateway.pipeline.process(db, list: list, raw: raw, fallbackDate: nil, source: .import,
                                                 now: day.addingTimeInterval(Double(k)), logger: quiet)
            }
        }
        let setupSeconds = Date().timeIntervalSince(setupStart)

        let run = DigestRun(config: config, renderer: try makeDigestRenderer(templatesDirectory: parameters.templatesDirectory))
        let at = day.addingTimeInterval(86_400)
        let cpuBefore = cpuSeconds()
        let start = Date()
        let report = try run.run(pool, at: at, now: at)
        let runSeconds = Date().timeIntervalSince(start)
        let runCPUSeconds = cpuSeconds() - cpuBefore
        let storedBytes = try Outbox.storedBodyBytes(pool, purposePrefix: "digest:")
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Report(members: parameters.members, memberships: memberships, lists: lists.count, posts: parameters.posts,
                      issues: report.issues, copies: report.copies, setupSeconds: setupSeconds, runSeconds: runSeconds,
                      runCPUSeconds: runCPUSeconds,
                      storedBytes: storedBytes, peakRSSBytes: Int(usage.ru_maxrss) * 1024)
    }
}
