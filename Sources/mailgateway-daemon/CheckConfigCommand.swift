import ArgumentParser
import Foundation
import MailGateway
import MailGatewayCLI

struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and templates; report every problem with its JSON path.")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Print the effective configuration (overrides applied, secrets redacted) as JSON.")
    var json = false

    func run() async throws {
        let config = try global.loadConfig()
        let report = EffectiveConfig(config)
        let templateProblems = TemplateCheck.problems(in: config.templatesDirectory)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("configuration OK: \(config.lists.count) lists, database \(config.database)")
            print("  imap \(config.imap.host):\(config.imap.port) (\(config.imap.tls.rawValue)), smtp \(config.smtp.host):\(config.smtp.port) (\(config.smtp.tls.rawValue))")
            if let http = config.http {
                let links = http.publicBaseURL.map { "one-click unsubscribe links under \($0)" }
                    ?? "no public_base_url: copies carry no one-click link"
                print("  http \(http.host.contains(":") ? "[\(http.host)]" : http.host):\(http.port), \(links)")
            }
            for l in report.lists {
                print("  \(l.id.padding(toLength: 22, withPad: " ", startingAt: 0)) \(l.address) <- \(l.mailbox.user)@\(l.mailbox.host):\(l.mailbox.port)/\(l.mailbox.folder)")
            }
        }
        if let warning = Secrets.looseModeWarning(file: config.moderation.keyFile) {
            printError("warning: $.moderation.key_file: \(warning)")
        }
        if !templateProblems.isEmpty {
            throw CommandFailure(message: "templates (\(config.templatesDirectory)): \(templateProblems.count) problems"
                                     + templateProblems.map { "\n  " + terminalSafe("\($0)", multiline: true) }.joined(), status: 2, prefix: "")
        }
    }
}
