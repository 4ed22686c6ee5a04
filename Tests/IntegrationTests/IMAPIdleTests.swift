import Foundation
import MailGateway
import Testing
import TestSupport

@Suite("IMAP IDLE against a private Dovecot", .enabled(if: DovecotServer.available, Comment(rawValue: DovecotServer.absentMessage)))
struct IMAPIdleTests {
    @Test func messageFromAnotherConnectionWakesTheIdlingClient() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let watcher = try await IMAPTest.connectedClient(dovecot)
        _ = try await watcher.select("INBOX")
        let started = ContinuousClock.now
        let idling = Task { try await watcher.idle(timeout: .seconds(120)) }
        // Let IDLE start first; an append before it would be seen through EXISTS all the same.
        try await Task.sleep(for: .milliseconds(500))
        let sender = try await IMAPTest.connectedClient(dovecot)
        try await sender.append(IMAPTest.message(1), to: "INBOX")

        let outcome = try await idling.value
        #expect(outcome == .serverActivity)
        // `.serverActivity` already says it was the server that woke it; the bound says "within seconds", far from the
        // 120 s timeout, with room for a loaded 2-core machine running the suite in parallel.
        #expect(ContinuousClock.now - started < .seconds(30))
        // The session is usable after DONE and sees the new message.
        #expect(try await watcher.messages(after: 0).map(\.uid) == [1])
    }

    @Test func idleTimesOutWhenNothingHappens() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let watcher = try await IMAPTest.connectedClient(dovecot)
        _ = try await watcher.select("INBOX")
        #expect(try await watcher.idle(timeout: .milliseconds(300)) == .timedOut)
        #expect(try await watcher.select("INBOX").exists == 0)
    }

    @Test func cancellingTheTaskEndsIdlePromptly() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let watcher = try await IMAPTest.connectedClient(dovecot)
        _ = try await watcher.select("INBOX")
        let idling = Task { try await watcher.idle(timeout: .seconds(120)) }
        try await Task.sleep(for: .milliseconds(300))
        let cancelled = ContinuousClock.now
        idling.cancel()
        let outcome = try await idling.value
        #expect(outcome == .interrupted)
        // `.interrupted` (not `.timedOut`) says the cancellation ended it; the bound, far from the 120 s timeout,
        // leaves room for a loaded machine.
        #expect(ContinuousClock.now - cancelled < .seconds(30))
        // DONE was sent: the session still works.
        #expect(try await watcher.select("INBOX").exists == 0)
    }

    @Test func interruptIdleEndsTheWaitFromOutside() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let watcher = try await IMAPTest.connectedClient(dovecot)
        _ = try await watcher.select("INBOX")
        let idling = Task { try await watcher.idle(timeout: .seconds(120)) }
        try await Task.sleep(for: .milliseconds(300))
        let interrupted = ContinuousClock.now
        watcher.interruptIdle() // what a graceful-shutdown handler calls
        #expect(try await idling.value == .interrupted)
        #expect(ContinuousClock.now - interrupted < .seconds(30))
        // A stale interrupt does not cut the next wait short.
        watcher.interruptIdle()
        #expect(try await watcher.idle(timeout: .milliseconds(300)) == .timedOut)
    }

    @Test func serverShutdownDuringIdleIsATransientErrorAndDropsTheSession() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let watcher = try await IMAPTest.connectedClient(dovecot)
        _ = try await watcher.select("INBOX")
        let idling = Task { try await watcher.idle(timeout: .seconds(120)) }
        try await Task.sleep(for: .milliseconds(300))
        dovecot.stop()
        let result = await idling.result
        let error = try #require(throws: IMAPError.self) { try result.get() }
        #expect(error.isTransient)
        #expect(await !watcher.isConnected)
        // Reconnecting to a stopped server fails fast with a connect error.
        let again = try await #require(throws: IMAPError.self) { try await watcher.connect(password: IMAPTest.password) }
        #expect(again.kind == .connect)
    }

    @Test func alreadyCancelledTaskDoesNotWait() async throws {
        let dovecot = try await DovecotServer.start(users: [IMAPTest.user: IMAPTest.password])
        defer { dovecot.stop() }
        let watcher = try await IMAPTest.connectedClient(dovecot)
        _ = try await watcher.select("INBOX")
        let idling = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await watcher.idle(timeout: .seconds(60))
        }
        #expect(try await idling.value == .interrupted)
    }
}
