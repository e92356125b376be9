import Foundation
import PaymentCore
import TestSupport
import Testing

/// The journal message catalog, loaded by journalctl itself into a scratch root, against the MESSAGE_IDs the code
/// logs (`JournalEvent`).
@Suite(.timeLimit(.minutes(1)))
struct CatalogTests {
    static let codeIDs = Set(JournalEvent.allCases.map(\.messageID))

    /// A root whose catalog database holds only qrpayd's catalog.
    static func loadedRoot() async throws -> TemporaryDirectory {
        let root = try TemporaryDirectory(prefix: "qrpayd-catalog")
        let directory = root.file("usr/lib/systemd/catalog")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CatalogFile.url, to: directory.appendingPathComponent("qrpayd.catalog"))
        let update = try await StagingRoot.run("journalctl", ["--root=\(root.path)", "--update-catalog"])
        // journalctl reports entries it cannot parse on standard error but still exits 0.
        #expect(update.standardError.isEmpty, "\(update.standardError)")
        return root
    }

    @Test func journalctlListsAnEntryForEveryMessageIDTheCodeLogsAndNoOther() async throws {
        let root = try await Self.loadedRoot()
        let list = try await StagingRoot.run("journalctl", ["--root=\(root.path)", "--list-catalog"])
        // "<id> qrpayd: <subject>"
        let listed = list.output.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 2) }
        let listedIDs = Set(listed.compactMap { $0.first.map(String.init) })

        #expect(
            listedIDs == Self.codeIDs,
            "missing \(Self.codeIDs.subtracting(listedIDs)), unused \(listedIDs.subtracting(Self.codeIDs))"
        )
        for row in listed {
            #expect(row.count == 3 && row[1] == "qrpayd:", "\(row)")
        }
    }

    @Test(arguments: JournalEvent.allCases)
    func entryExplainsWhatHappenedAndWhatToCheck(event: JournalEvent) async throws {
        let root = try await Self.loadedRoot()
        let dump = try await StagingRoot.run("journalctl", ["--root=\(root.path)", "--dump-catalog", event.messageID])
        let lines = dump.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

        #expect(lines.first == "-- \(event.messageID)")
        #expect(lines.contains { $0.hasPrefix("Subject: ") && $0.count > 20 })
        #expect(lines.contains("Defined-By: qrpayd"))
        #expect(lines.contains("Support: file:///usr/share/doc/qrpayd/README.md"))
        let body = try #require(lines.firstIndex(of: "")).advanced(by: 1)
        let words = lines[body...].joined(separator: " ").split(separator: " ")
        #expect(words.count > 40, "a few sentences: what happened, what it means, what to check")
    }

    @Test func catalogFileHasOneEntryPerIDAndOnlyValidFieldReferences() throws {
        let catalog = try CatalogFile()
        #expect(catalog.order.count == Set(catalog.order).count, "an id appears twice")
        for entry in catalog.entries.values {
            #expect(entry.messageID.count == 32 && entry.messageID.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            for field in entry.substitutedFields {
                #expect(!field.hasPrefix("_") && field.count <= 64, "\(entry.messageID): @\(field)@")
            }
        }
    }
}
