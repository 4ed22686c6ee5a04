import ArgumentParser
import Foundation
import MailGatewayBench

/// `mailgateway-stages parse MBOX` and `mailgateway-stages policy MBOX --spoofing on|off`: one pass of `mailgateway
/// bench parse` and `bench policy` (the same `StageBenchmark` functions, the same output lines) from a synchronous
/// main, so that valgrind can count their instructions (bench/cost.sh): Valgrind 3.19 crashes on the async main
/// of `mailgateway`, whose threads start while the main thread waits in dispatch_main.
@main
struct StagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailgateway-stages",
        abstract: "One pass of a stage micro-benchmark, for instruction counting (bench/cost.sh).")

    @Argument(help: "parse, parse-headers or policy.") var stage: String
    @Argument(help: "The mbox file (.gz allowed).") var mbox: String
    @Option(help: "policy: with (on) or without (off) the spoofing rule.") var spoofing = "off"

    func validate() throws {
        guard ["parse", "parse-headers", "policy"].contains(stage) else {
            throw ValidationError("the stage is parse, parse-headers or policy")
        }
        guard ["on", "off"].contains(spoofing) else { throw ValidationError("--spoofing: on or off") }
    }

    func run() throws {
        let url = URL(fileURLWithPath: mbox)
        if stage == "parse" || stage == "parse-headers" {
            print(StageBenchmark.line(try StageBenchmark.parse(mbox: url, passes: 1, headersOnly: stage == "parse-headers")))
        } else {
            for report in try StageBenchmark.policy(mbox: url, passes: 1, spoofing: spoofing == "on") {
                print(StageBenchmark.line(report))
            }
        }
    }
}
