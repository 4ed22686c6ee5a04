import Foundation
import Testing
import TestSupport
@testable import MailGateway

/// MboxReader and MboxWriter against the real mboxrd archives.
@Suite(.enabled(if: Corpora.available, Comment(rawValue: Corpora.absentMessage)))
struct MboxCorpusTests {
    /// Reading ksummit and writing it back reproduces the decompressed file byte for byte (its From_ lines
    /// use the same asctime form and each message is followed by one empty line).
    @Test(arguments: ["lore-ksummit/ksummit.mbox.gz", "lore-usrp-users/usrp-users-2022-08_10.mbox.gz"])
    func readWriteReproducesTheArchive(corpus: String) throws {
        let source = try #require(Corpora.url(corpus))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mbox-corpus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("copy.mbox")
        let reader = try MboxReader(url: source)
        let writer = try MboxWriter(url: out)
        var count = 0
        while let m = try reader.next() {
            try writer.write(raw: m.raw, sender: try #require(m.envelopeSender), date: try #require(m.envelopeDate))
            count += 1
        }
        try writer.close()
        #expect(count == (corpus.contains("ksummit") ? 3115 : 366))

        let unpacked = dir.appendingPathComponent("original.mbox")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "/bin/gzip -dc \"$0\" > \"$1\"", source.path, unpacked.path]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)
        let original = try Data(contentsOf: unpacked)
        let copy = try Data(contentsOf: out)
        #expect(original.count == copy.count)
        #expect(original == copy)
    }
}
