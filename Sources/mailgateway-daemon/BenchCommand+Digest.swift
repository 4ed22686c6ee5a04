import ArgumentParser
import Foundation
import MailGatewayBench
import MailGatewayCLI

extension BenchCommand {
    /// The daily digest run's cost (issue 9): members, lists and posts built in a temporary database, then one run.
    struct Digest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build MEMBERS digest readers over the 11 lists and POSTS posts, then time one digest run.")
        @Option(help: "Members (each reads one of the 11 lists as a daily digest).") var members = 10_000
        @Option(help: "Posts of the day, spread over the lists.") var posts = 300
        @Option(help: "The templates folder.") var templates = "templates"
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if members < 11 { throw ValidationError("--members must be at least 11") }
            if posts < 1 { throw ValidationError("--posts must be at least 1") }
        }

        func run() throws {
            let report = try reportingFailures {
                try DigestBenchmark.run(.init(members: members, posts: posts, templatesDirectory: templates),
                                        logger: global.makeLogger())
            }
            if json { return try printJSON(report) }
            print(String(format: "DIGEST members=%d memberships=%d lists=%d posts=%d issues=%d copies=%d setup=%.1fs run=%.3fs cpu=%.3fs rate=%.0f digests/s (%.0f per CPU second) stored=%.1fMB peak-rss=%.0fMB",
                         report.members, report.memberships, report.lists, report.posts, report.issues, report.copies,
                         report.setupSeconds, report.runSeconds, report.runCPUSeconds, report.digestsPerSecond,
                         report.digestsPerCPUSecond,
                         Double(report.storedBytes) / 1e6, Double(report.peakRSSBytes) / 1e6))
        }
    }
}
