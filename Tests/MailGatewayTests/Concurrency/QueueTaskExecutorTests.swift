import Testing
@testable import MailGateway

/// What `MailboxSync` relies on when it runs a pass on a `QueueTaskExecutor`: the pass's own code stays on the
/// executor's thread across awaits on other executors (its group commits block there, never on the cooperative
/// pool), and the parse it starts ahead through `Lookahead` does not (it must run beside the write).
@Suite("QueueTaskExecutor: a pass's thread of its own")
struct QueueTaskExecutorTests {
    actor Elsewhere {
        func visit() -> Int { 1 }
    }

    @Test("nonisolated code under the preference runs on the queue, before and after an await on another actor")
    func runsOnItsQueue() async {
        let executor = QueueTaskExecutor(label: "mailgateway.tests.queue-task-executor")
        #expect(!executor.isCurrent)
        let elsewhere = Elsewhere()
        let (before, visited, after) = await withTaskExecutorPreference(executor) {
            let before = executor.isCurrent
            let visited = await elsewhere.visit()
            return (before, visited, executor.isCurrent)
        }
        #expect(before)
        #expect(visited == 1)
        #expect(after)
        #expect(!executor.isCurrent)
    }

    @Test("work that a pass's Lookahead starts under the preference runs elsewhere (the parse ahead stays on the pool)")
    func lookaheadRunsElsewhere() async throws {
        let executor = QueueTaskExecutor(label: "mailgateway.tests.queue-task-executor.lookahead")
        var ahead = Lookahead<Bool>()
        let (inPass, inLookahead) = try await withTaskExecutorPreference(executor) {
            ahead.start([1, 2, 3]) { executor.isCurrent }
            return (executor.isCurrent, try await ahead.take([1, 2, 3]))
        }
        #expect(inPass)
        #expect(inLookahead == false)
    }
}
