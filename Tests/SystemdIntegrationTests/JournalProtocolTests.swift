import Foundation
import Glibc
import Logging
import PaymentCore
import SystemdSupport
import TestSupport
import Testing
import VippsSimulator

/// journald's native protocol end to end: a payment taken, and every entry it leaves checked as journald would
/// store it (fields, MESSAGE_ID, priority, the catalog's @FIELD@s filled) and for secrets.
@Suite(.timeLimit(.minutes(2)))
struct JournalProtocolTests {
    /// Whether the test may give the daemon a private mount namespace (root, and unshare(1) allowed here), so that
    /// journald's fixed socket path /run/systemd/journal/socket can lead to the test's socket.
    static let canRedirectTheJournalSocket: Bool = {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return false }
        let probe = try? ExternalTool.run("/usr/bin/unshare", ["--mount", "--", "/bin/true"])
        return probe?.status == 0
    }()

    /// The real binary, with stderr a file whose device and inode are in `JOURNAL_STREAM` (so it picks the journal
    /// handler as under systemd) and, in its own mount namespace, the test's directory mounted on /run/systemd.
    @Test(.enabled(if: Self.canRedirectTheJournalSocket, "needs root and unshare(1) to redirect the journal socket"))
    func theDaemonsEntriesForAPaymentAsJournaldReceivesThem() async throws {
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory()
            let runSystemd = directory.file("run-systemd")
            try FileManager.default.createDirectory(
                at: runSystemd.appendingPathComponent("journal"),
                withIntermediateDirectories: true
            )
            let journal = try DatagramSink(path: runSystemd.appendingPathComponent("journal/socket").path)
            defer { journal.stop() }
            let stderrFile = directory.file("qrpayd.stderr")
            guard FileManager.default.createFile(atPath: stderrFile.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown)
            }
            var status = stat()
            #expect(stat(stderrFile.path, &status) == 0)
            let setup = try DaemonSetup(
                simulatorPort: harness.port,
                directory: directory,
                extra: ["JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino)"]
            )
            let script = #"mount --bind "$1" /run/systemd && shift && exec "$@""#
            try await ChildProcess.withChild(
                "/usr/bin/unshare",
                ["--mount", "--", "/bin/sh", "-c", script, "sh", runSystemd.path, DaemonSetup.executable]
                    + setup.arguments,
                environment: setup.environment,
                standardError: .file(stderrFile)
            ) { daemon in
                _ = try await daemon.expect("the ready entry") {
                    await journal.datagrams.first { String(decoding: $0, as: UTF8.self).contains("qrpayd is ready") }
                }
                let created = try await UnixHTTP.post(
                    "/v1/payments",
                    json: #"{"reference":"journal-1","amount":12900,"text":"Kaffe og bolle"}"#,
                    socket: setup.controlSocket
                )
                #expect(created.status == 201, "\(created.body)")
                try await harness.simulator.open(orderId: "sdtest-journal-1")
                // Approving only once the daemon saw the scan, so the scan gets its own entry.
                _ = try await daemon.expect("the scanned entry") {
                    await journal.datagrams.first {
                        String(decoding: $0, as: UTF8.self)
                            .contains("MESSAGE_ID=\(JournalEvent.paymentScanned.messageID)")
                    }
                }
                try await harness.simulator.approve(orderId: "sdtest-journal-1")
                _ = try await daemon.expect("the captured entry") {
                    await journal.datagrams.first {
                        String(decoding: $0, as: UTF8.self).contains(
                            "MESSAGE_ID=\(JournalEvent.paymentCaptured.messageID)"
                        )
                    }
                }
                daemon.signal(SIGTERM)
                #expect(await daemon.termination() == .exited(0))
                await journal.stopAndDrain()

                // With the journal chosen, nothing went to stderr as plain lines.
                #expect(daemon.standardError.isEmpty, "\(daemon.standardError)")
                let entries = try journal.datagrams.items.map(JournalDatagram.init)
                try JournalExpectations.payment(
                    entries,
                    reference: "journal-1",
                    orderId: "sdtest-journal-1",
                    amount: 12900,
                    identifier: "qrpayd"
                )
                let started = try #require(
                    entries.first { $0["MESSAGE_ID"] == JournalEvent.daemonStarted.messageID }
                )
                #expect(started["PRIORITY"] == "5")
                #expect(started["VIPPS_MSN"] == VippsSimulatorConfiguration.demoSalesUnit.msn)
                #expect(started["STATE_DIRECTORY"] == setup.stateDirectory)
                let recovered = try #require(
                    entries.first { $0["MESSAGE_ID"] == JournalEvent.recoveryFinished.messageID }
                )
                #expect(recovered["RECOVERY_OPEN_PAYMENTS"] == "0")
                #expect(entries.contains { $0["MESSAGE_ID"] == JournalEvent.daemonStopping.messageID })
                try JournalExpectations.common(entries, identifier: "qrpayd")
            }
        }
    }

    /// The same through the library: the engine's own logger is the journal handler aimed at the test's socket.
    /// Runs everywhere, including where the test may not change mount namespaces.
    @Test func thePaymentEnginesEntriesThroughTheJournalHandler() async throws {
        let directory = try TemporaryDirectory()
        let journal = try DatagramSink(path: directory.file("journal.sock").path)
        defer { journal.stop() }
        let logger = Logger(label: "qrpayd") { label in
            JournalLogHandler(label: label, identifier: "qrpayd", socketPath: journal.path)
        }

        try await SimulatorHarness.run { harness in
            try FileManager.default.createDirectory(at: directory.file("state"), withIntermediateDirectories: true)
            let store = try PaymentStore(directory: directory.file("state").path)
            let engine = PaymentEngine(
                configuration: EngineConfiguration(orderIdPrefix: "inproc-", pollInterval: .milliseconds(500)),
                vipps: harness.makeClient(),
                store: store,
                logger: logger
            )
            try await engine.recover()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.runPollLoop() }
                let (payment, _) = try await engine.create(
                    PaymentRequest(reference: "journal-2", amount: 2500, text: "Bolle")
                )
                try await harness.simulator.open(orderId: payment.orderId)
                _ = await journal.datagrams.first {
                    String(decoding: $0, as: UTF8.self)
                        .contains("MESSAGE_ID=\(JournalEvent.paymentScanned.messageID)")
                }
                try await harness.simulator.approve(orderId: payment.orderId)
                _ = await journal.datagrams.first {
                    String(decoding: $0, as: UTF8.self).contains(
                        "MESSAGE_ID=\(JournalEvent.paymentCaptured.messageID)"
                    )
                }
                group.cancelAll()
            }
        }
        await journal.stopAndDrain()

        let entries = try journal.datagrams.items.map(JournalDatagram.init)
        try JournalExpectations.payment(
            entries,
            reference: "journal-2",
            orderId: "inproc-journal-2",
            amount: 2500,
            identifier: "qrpayd"
        )
        try JournalExpectations.common(entries, identifier: "qrpayd")
    }
}

/// What every payment's journal entries must look like, whoever wrote them.
enum JournalExpectations {
    static let codeIDs = Set(JournalEvent.allCases.map(\.messageID))

    /// The payment's own entries: a MESSAGE_ID per step, in order, each with the payment's fields.
    static func payment(
        _ entries: [JournalDatagram],
        reference: String,
        orderId: String,
        amount: Int,
        identifier: String
    ) throws {
        let mine = entries.filter { $0["PAYMENT_REFERENCE"] == reference }
        let steps: [(JournalEvent, state: String?)] = [
            (.tillRequest, nil), (.paymentCreated, "awaiting-scan"), (.paymentScanned, "scanned"),
            (.paymentAuthorized, "authorized"), (.paymentCaptured, "captured"),
        ]
        var lastPosition = -1
        for (event, state) in steps {
            let position = try #require(
                mine.firstIndex { $0["MESSAGE_ID"] == event.messageID },
                "no \(event) entry among \(mine)"
            )
            #expect(position > lastPosition, "\(event) is out of order")
            lastPosition = position
            let entry = mine[position]
            #expect(entry["PRIORITY"] == "6", "\(event) at priority \(entry["PRIORITY"] ?? "none")")
            if let state {
                #expect(entry["PAYMENT_STATE"] == state, "\(event): \(entry)")
                #expect(entry["PAYMENT_AMOUNT"] == String(amount))
            }
        }
        for entry in mine {
            #expect(entry["VIPPS_ORDER_ID"] == orderId, "\(entry)")
            #expect(entry["MESSAGE_ID"].map(Self.codeIDs.contains) == true, "\(entry)")
        }
        let captured = try #require(mine.first { $0["MESSAGE_ID"] == JournalEvent.paymentCaptured.messageID })
        #expect(captured["PAYMENT_CAPTURED_AMOUNT"] == String(amount))
        let request = try #require(mine.first { $0["MESSAGE_ID"] == JournalEvent.tillRequest.messageID })
        #expect(request["CALLER_UID"] != nil)
    }

    /// Every entry: well-formed, attributed, with a known MESSAGE_ID whose catalog text the entry can fill in, and
    /// no secret anywhere.
    static func common(_ entries: [JournalDatagram], identifier: String) throws {
        let catalog = try CatalogFile()
        let unit = VippsSimulatorConfiguration.demoSalesUnit
        #expect(!entries.isEmpty)
        for entry in entries {
            #expect(entry["MESSAGE"]?.isEmpty == false)
            #expect(entry["PRIORITY"].flatMap(Int.init).map { (0...7).contains($0) } == true)
            #expect(entry["SYSLOG_IDENTIFIER"] == identifier)
            #expect(entry["CODE_FILE"] != nil && entry["CODE_LINE"] != nil)
            if let id = entry["MESSAGE_ID"] {
                #expect(Self.codeIDs.contains(id), "MESSAGE_ID \(id) is not a JournalEvent")
                let fields = catalog.entries[id]?.substitutedFields ?? []
                let missing = fields.subtracting(entry.names)
                #expect(missing.isEmpty, "catalog entry \(id) uses \(missing), which this entry lacks: \(entry)")
            }
            let text = entry.description
            for secret in [unit.clientSecret, unit.subscriptionKey, "Bearer", "eyJ"] {
                #expect(!text.contains(secret), "a secret or token reached the journal: \(entry)")
            }
        }
    }
}
