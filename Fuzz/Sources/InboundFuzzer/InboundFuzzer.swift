import Foundation
import MailGateway
import Synchronization

/// The world, built once (lazily, on the first input).
let fixture: FuzzFixture = {
    do {
        let f = try FuzzFixture.make()
        if let dir = ProcessInfo.processInfo.environment["MAILGATEWAY_FUZZ_WRITE_SEEDS"] {
            for (name, text) in Seeds.all(token: f.token) {
                try Data(text.utf8).write(to: URL(fileURLWithPath: dir).appendingPathComponent(name))
            }
        }
        return f
    } catch {
        fatalError("fuzz fixture: \(error)") // setup, not a path mail reaches
    }
}()

/// Error kinds already reported (one line each on stderr).
let reported = Mutex<Set<String>>([])
/// `MAILGATEWAY_FUZZ_TRAP_ERRORS=1`: an error thrown by the inbound path aborts, so libFuzzer saves the input.
let trapErrors = ProcessInfo.processInfo.environment["MAILGATEWAY_FUZZ_TRAP_ERRORS"] == "1"

/// libFuzzer's entry point: one input is one raw message, run through the whole inbound path and rolled back.
/// Crashes, traps, stack overflows, timeouts and memory blow-ups are what libFuzzer detects; an error the
/// pipeline throws (the daemon would quarantine the message as an "internal error") is reported once per kind.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let raw = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let f = fixture
    do {
        _ = try f.probe.run(raw, list: f.list(for: raw), approve: raw.count % 2 == 0, now: f.now, logger: f.logger)
    } catch {
        let text = String(describing: error)
        let kind = String(text.prefix(120))
        let isNew = reported.withLock { $0.insert(kind).inserted }
        if isNew { FileHandle.standardError.write(Data("INBOUND-ERROR \(type(of: error)): \(text.prefix(300))\n".utf8)) }
        if trapErrors { abort() }
    }
    return 0
}

/// libFuzzer's driver (compiler-rt `FuzzerDriver.cpp`).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable target's entry point as `<Target>_main` (renamed so tests can link the target):
/// hand the command line to libFuzzer's driver from there.
@_cdecl("InboundFuzzer_main")
public func inboundFuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, { data, size in fuzzOneInput(data, size) })
}
