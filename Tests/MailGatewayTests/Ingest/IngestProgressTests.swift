import GRDB
import Testing
@testable import MailGateway

@Suite("The poison-message guard's progress marker and the fetch-failure record")
struct IngestProgressTests {
    static func database() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try StoreMigrations.migrator.migrate(queue)
        // `list_id` is a foreign key to `lists`.
        try queue.write { try ArchiveWriter.registerList($0, id: "l") }
        return queue
    }

    @Test("each run that died during the same message counts once; the same run retrying does not count; another message starts over")
    func crashCounting() throws {
        let db = try Self.database()
        func begin(_ uid: UInt32, _ run: String, validity: UInt32 = 7) throws -> Int {
            try db.write { try IngestProgress.begin($0, list: "l", uidValidity: validity, uids: uid...uid, run: run) }
        }
        #expect(try begin(4, "a") == 0)
        #expect(try begin(4, "b") == 1)
        #expect(try begin(4, "b") == 1, "a retry within the same run is not a crash")
        #expect(try begin(4, "c") == 2)
        #expect(try begin(4, "d") == 3)
        #expect(try begin(4, "e", validity: 8) == 0, "another UIDVALIDITY: another message")
        #expect(try begin(5, "e") == 0)
        try db.write { try IngestProgress.finish($0, list: "l") }
        #expect(try begin(5, "f") == 0, "a commit clears the marker")
        try db.write { try IngestProgress.clear($0, run: "f") }
        #expect(try begin(5, "g") == 0, "a clean exit clears the marker")
    }

    @Test("a group's marker names its UID range; a dead run's marker is replayed message by message from the group's count")
    func groupMarkers() throws {
        let db = try Self.database()
        func begin(_ uids: ClosedRange<UInt32>, _ run: String, carried: Int = 0) throws -> Int {
            try db.write { try IngestProgress.begin($0, list: "l", uidValidity: 7, uids: uids, run: run, carried: carried) }
        }
        func interrupted(_ run: String, validity: UInt32 = 7) throws -> (uids: ClosedRange<UInt32>, crashes: Int)? {
            try db.read { try IngestProgress.interrupted($0, list: "l", uidValidity: validity, run: run) }
        }
        #expect(try interrupted("a") == nil, "no marker")
        #expect(try begin(3...9, "a") == 0)
        #expect(try interrupted("a") == nil, "the run's own marker is no crash")
        #expect(try interrupted("b", validity: 8) == nil, "another UIDVALIDITY: other messages")
        let left = try #require(try interrupted("b"))
        #expect(left.uids == 3...9 && left.crashes == 1)
        #expect(try db.read { try IngestProgressRecord.find($0, list: "l") }?.runID == "a", "reading changes nothing")
        // The replay: each message alone, from zero (the group's crash is none of its messages'); the innocent
        // ones commit.
        #expect(IngestMarker(alone: 3, replay: left) == IngestMarker(uids: 3...3, carried: 0))
        #expect(try begin(3...3, "b") == 0)
        try db.write { try IngestProgress.finish($0, list: "l") }
        #expect(try begin(4...4, "b") == 0)
        // Run b dies on UID 4: the next runs count on from there, as for a message processed alone.
        let again = try #require(try interrupted("c"))
        #expect(again.uids == 4...4 && again.crashes == 1)
        let carried = IngestMarker(alone: 4, replay: again)
        #expect(carried == IngestMarker(uids: 4...4, carried: 1))
        #expect(IngestMarker(alone: 5, replay: again).carried == 0, "another message carries nothing")
        #expect(try begin(4...4, "c", carried: carried.carried) == 1)
        #expect(try begin(4...4, "d", carried: 0) == 2, "the same UIDs of a dead run count once more whatever is carried")
        #expect(try begin(4...9, "d") == 0, "another range starts over")
        #expect(try db.read { try IngestProgressRecord.find($0, list: "l") }?.uids == 4...9)
    }

    @Test("a group's marker also covers the group after it (parsed while it is written); a unit alone, a UID to fetch again or a last group covers itself only")
    func markersCoverTheNextGroup() {
        let units: [MailboxSyncPlan.Unit] = [.group([1, 2, 3]), .group([4, 5]), .alone(.process(6)), .group([7, 8]),
                                             .group([9]), .alone(.retryAlone(10)), .group([11, 12])]
        let markers = (0...units.count).map { IngestMarker(at: $0, of: units, replay: nil) }
        #expect(markers[0] == IngestMarker(uids: 1...5, carried: 0), "groups 1-3 and 4-5")
        #expect(markers[1] == IngestMarker(uids: 4...5, carried: 0), "followed by a message alone: not parsed ahead")
        #expect(markers[2] == IngestMarker(uids: 6...6, carried: 0))
        #expect(markers[3] == IngestMarker(uids: 7...9, carried: 0), "groups 7-8 and 9")
        #expect(markers[4] == IngestMarker(uids: 9...9, carried: 0))
        #expect(markers[5] == nil, "a UID to fetch again commits its own marker once fetched")
        #expect(markers[6] == IngestMarker(uids: 11...12, carried: 0), "the last group of the batch")
        #expect(markers[7] == nil, "past the end")
        // A message alone replayed after it crashed alone carries its count, whatever follows it.
        let replay: (uids: ClosedRange<UInt32>, crashes: Int) = (6...6, 2)
        #expect(IngestMarker(at: 2, of: units, replay: replay) == IngestMarker(uids: 6...6, carried: 2))
        #expect(IngestMarker(at: 0, of: units, replay: replay)?.carried == 0)
    }

    @Test("fetch failures count per UID until given up on; given-up UIDs are no longer pending")
    func fetchFailures() throws {
        let db = try Self.database()
        #expect(try db.write { try FetchFailures.record($0, list: "l", uidValidity: 7, uid: 2, error: "NO") } == 1)
        #expect(try db.write { try FetchFailures.record($0, list: "l", uidValidity: 7, uid: 2, error: "BYE") } == 2)
        #expect(try db.read { try FetchFailures.pending($0, list: "l", uidValidity: 7) } == [2: 2])
        try db.write { _ = try FetchFailures.giveUp($0, list: "l", uidValidity: 7, uid: 2, size: 123, failures: 3) }
        #expect(try db.read { try FetchFailures.pending($0, list: "l", uidValidity: 7) }.isEmpty)
        #expect(try db.read { try FetchFailures.unfetchable($0, list: "l", uidValidity: 7) } == [2])
        let error = try db.read { try String.fetchOne($0, sql: "SELECT error FROM quarantine WHERE uid = 2") }
        #expect(error?.hasPrefix("unfetchable") == true && error?.contains("BYE") == true)
    }
}
