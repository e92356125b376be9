import Foundation
import NIOHTTP1
import TestSupport
import Testing
import VippsSimulator

/// The state database damaged or gone while the daemon was down (a power cut, a failing SD card, an operator's
/// mistake). The daemon must refuse to guess: exit 65 with a message saying what is wrong and what to do, touch no
/// file in the state directory, and send nothing to Vipps.
@Suite("Reliability: damaged state at start-up", .timeLimit(.minutes(5)))
struct StoreDamageTests {
    enum Damage: String, CaseIterable, Sendable {
        /// The database file is gone, though this directory had one.
        case missing
        /// Cut short, as a write that never finished leaves it.
        case truncated
        /// Pages in the middle overwritten with noise.
        case scribbled
        /// Something that is not a database at all.
        case notADatabase

        var expectedWords: String {
            switch self {
            case .missing: "is missing"
            case .truncated, .scribbled, .notADatabase: "qrpayd will not guess"
            }
        }
    }

    @Test("refuses to guess", arguments: Damage.allCases)
    func refusesToGuess(damage: Damage) async throws {
        try await SimulatorHarness.run { harness in
            let rig = try await ReliabilityRig.start(harness, settlement: "auto")
            // One payment finished and one still in front of the customer: what must not be forgotten.
            let done = try await rig.run.play(
                reference: "kept-1",
                amount: 12_900,
                behaviour: .approve,
                tillSettlement: .capture
            )
            #expect(done.payment?.state == "captured")
            let open = try await rig.run.till(.POST, "/v1/payments", json: #"{"reference":"kept-2","amount":4500}"#)
            #expect(open.status == 201)
            // A clean stop folds the write-ahead log into the database file, so the damage hits real data.
            #expect(await rig.supervisor.stop() == 0)

            let state = rig.directory.file("state")
            let database = state.appendingPathComponent("qrpayd.sqlite")
            try Self.apply(damage, to: database)
            let before = try Self.snapshot(state)
            let requestsBefore = await harness.simulator.requests().count

            let daemon = try DaemonProcess(
                arguments: rig.supervisor.setup.arguments,
                environment: rig.supervisor.setup.environment,
                socketPath: rig.supervisor.setup.socketPath
            )
            var log: [String] = []
            for await line in daemon.lines { log.append(line) }
            let status = await daemon.waitForExit()

            #expect(status == 65, "\(log.suffix(5).joined(separator: "\n"))")
            let refusal = log.first { $0.contains("refuses to start") }
            #expect(
                refusal?.contains(damage.expectedWords) == true,
                "\(refusal ?? log.suffix(5).joined(separator: "\n"))"
            )
            #expect(!log.contains { $0.contains("ready for the till") })
            let after = try Self.snapshot(state)
            let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
            #expect(changed.isEmpty, "the state directory must be left as it was; changed: \(changed)")
            #expect(await harness.simulator.requests().count == requestsBefore, "nothing may be sent to Vipps")
            // The open payment is still Vipps' to decide: nothing cancelled it behind the operator's back.
            #expect(await harness.simulator.payment(orderId: "kiosk7-kept-2")?.state == .initiated)
        }
    }

    static func apply(_ damage: Damage, to database: URL) throws {
        let path = database.path
        switch damage {
        case .missing:
            try FileManager.default.removeItem(at: database)
        case .truncated:
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            #expect(truncate(path, off_t(size / 2)) == 0)
        case .scribbled:
            let handle = try FileHandle(forUpdating: database)
            // Page 1 holds the header; the tables' pages follow. 4 KiB of noise from page 2 on.
            try handle.seek(toOffset: 4096)
            var random = SeededRandom(seed: 65)
            try handle.write(contentsOf: Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }))
            try handle.close()
        case .notADatabase:
            try Data("these are not the payments you are looking for\n".utf8).write(to: database)
        }
    }

    /// Every file in the directory with its bytes.
    static func snapshot(_ directory: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            files[name] = try Data(contentsOf: directory.appendingPathComponent(name))
        }
        return files
    }
}
