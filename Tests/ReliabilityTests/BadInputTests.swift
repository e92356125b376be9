import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import TestSupport
import Testing
import VippsSimulator

#if canImport(Glibc)
    import Glibc
#endif

/// Issue #8, bad input: the real daemon, against the simulator, takes thousands of generated bad requests on its
/// control socket (malformed HTTP, broken and wrong JSON, unknown routes, huge requests, random bytes, pipelines) and
/// a handful of clients that stall, and must answer every one with a 4xx problem (or the parser's bare 400 and a
/// hang-up), never a 5xx, never a crash, never a changed payment, and give back the memory and descriptors it took.
///
/// Every input comes from the printed seed: `QRPAYD_RELIABILITY_SEED=<seed>` replays a run exactly.
@Suite(.timeLimit(.minutes(20)))
struct BadInputTests {
    /// The payment made before the fuzzing, which nothing may change.
    static let before = "fuzz-before"
    /// Made while stalled clients hold their connections.
    static let duringStall = "fuzz-stalled"
    /// Made after the fuzzing, end to end.
    static let after = "fuzz-after"

    /// Connections the fuzzer has open at once.
    static let width = 4
    /// Longest wait for the daemon to answer or hang up on one input. Well under the server's idle timeout (30 s in
    /// Sources/ControlAPI/ControlServer.swift), so a daemon that waits for more is caught as hanging, not let off by
    /// its timeout: every input is half-closed after its last byte, so there is nothing more to wait for.
    static let answerTimeout = Duration.seconds(10)
    /// The server's idle timeout (`ControlServer.idleTimeout`), after which it must have hung up on a stalled client.
    static let idleTimeout = Duration.seconds(30)

    @Test func theControlSocketRefusesBadInputAndOutlastsSlowClients() async throws {
        let mode = ReliabilityMode.current
        let started = ContinuousClock.now
        print("bad-input: \(mode.fuzzInputs) inputs from seed \(mode.seed) (QRPAYD_RELIABILITY_SEED replays it)")
        let pool = NIOThreadPool(numberOfThreads: Self.width + 1)
        pool.start()
        defer { pool.shutdownGracefully { _ in } }
        try await SimulatorHarness.run { harness in
            let directory = try TemporaryDirectory(prefix: "qrpayd-fuzz")
            let setup = try DaemonProcess.configuration(simulatorPort: harness.port, directory: directory)
            let daemon = try DaemonProcess(
                arguments: setup.arguments,
                environment: setup.environment,
                socketPath: setup.socketPath
            )
            // A till that opens a connection per request, so that the daemon's descriptors tell its own story.
            var configuration = HTTPClient.Configuration()
            configuration.maximumUsesPerConnection = 1
            let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            do {
                try await daemon.waitUntilReady()
                let campaign = Campaign(
                    mode: mode,
                    harness: harness,
                    daemon: daemon,
                    till: TillClient(socketPath: setup.socketPath, httpClient: httpClient),
                    pool: pool,
                    started: started
                )
                try await campaign.run()
            } catch {
                await daemon.stop(with: SIGKILL)
                try? await httpClient.shutdown()
                throw error
            }
            #expect(await daemon.stop(with: SIGTERM) == 0)
            try await httpClient.shutdown()
        }
    }
}

/// One run of the bad-input campaign against one daemon.
private struct Campaign {
    var mode: ReliabilityMode
    var harness: SimulatorHarness
    var daemon: DaemonProcess
    var till: TillClient
    var pool: NIOThreadPool
    var started: ContinuousClock.Instant

    var socketPath: String { self.daemon.socketPath }
    var pid: pid_t { self.daemon.processIdentifier }

    func run() async throws {
        let troubles = LoggedTroubles()
        let lines = self.daemon.lines
        let watcher = Task {
            for await line in lines
            where line.contains(" error [") || line.contains(" critical [") || line.contains("Control request") {
                troubles.lines.withLock { $0.append(line) }
            }
        }
        defer { watcher.cancel() }

        let listening = try DaemonFootprint.read(pid: self.pid)

        // A payment made and completed before the fuzzing: nothing may change it.
        _ = try await self.pay(BadInputTests.before)
        let untouched = try await self.till.send(.GET, "/v1/payments/\(BadInputTests.before)")
        try #require(untouched.status == 200)

        let fuzzer = ControlSocketFuzzer(seed: self.mode.seed, existingReference: BadInputTests.before)
        let total = self.mode.fuzzInputs
        let fuzzStarted = ContinuousClock.now
        let warmUp = min(total, max(500, total / 5))
        var results = try await self.fuzz(fuzzer, 0..<warmUp)
        // Nothing but the listener: the till's client here never keeps a connection.
        let before = try await self.settledFootprint(unixSockets: listening.unixSockets)
        // In batches, with the resident memory after each: a leak shows as a slope, the allocator as a plateau.
        var residentTrend: [Int] = []
        var batch = warmUp
        while batch < total {
            let end = min(total, batch + 1000)
            results += try await self.fuzz(fuzzer, batch..<end)
            residentTrend.append(try DaemonFootprint.read(pid: self.pid).residentKiB)
            batch = end
        }
        let fuzzed = ContinuousClock.now

        let stall = try await self.stallClients(count: self.mode.name == "long" ? 24 : 8, baseline: before)

        // A fresh payment, end to end, once it is all over.
        _ = try await self.pay(BadInputTests.after)
        let after = try await self.settledFootprint(unixSockets: before.unixSockets, nonSockets: before.nonSockets)

        // The daemon is the one that started: never restarted, still healthy.
        #expect(kill(self.pid, 0) == 0)
        #expect(self.daemon.process.termination == nil)
        let health = try await self.till.send(.GET, "/v1/health")
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "ok")

        // The payment from before is exactly as it was; no payment exists that the test did not make.
        let now = try await self.till.send(.GET, "/v1/payments/\(BadInputTests.before)")
        #expect(NSDictionary(dictionary: now.json) == NSDictionary(dictionary: untouched.json))
        let list = try await self.till.send(.GET, "/v1/payments?limit=500")
        let references = Set(
            ((list.json["payments"] as? [[String: Any]]) ?? []).compactMap { $0["reference"] as? String }
        )
        #expect(references == [BadInputTests.before, BadInputTests.duringStall, BadInputTests.after])
        #expect(await self.harness.simulator.payments().count == 3)
        // And by the same invariants as the soak and the crash runs: the till saw each of its payments captured.
        var daemonView: [String: TillPayment] = [:]
        for reference in references {
            let answer = try await self.till.send(.GET, "/v1/payments/\(reference)")
            daemonView[reference] = try? JSONDecoder().decode(TillPayment.self, from: answer.body)
        }
        let evidence = PaymentInvariants.Evidence(
            vipps: await self.harness.simulator.payments(),
            requests: await self.harness.simulator.requests(),
            daemon: daemonView,
            tillSaw: Dictionary(uniqueKeysWithValues: references.map { ($0, ["captured"]) }),
            orderIdPrefix: "kiosk7-",
            settlement: "auto"
        )
        let violations = PaymentInvariants.violations(evidence)
        #expect(violations.isEmpty, "\(violations.prefix(10).map(\.description).joined(separator: "\n"))")
        let truth = try #require(await self.harness.simulator.payment(orderId: "kiosk7-\(BadInputTests.before)"))
        #expect(truth.successfulCaptures == 1 && truth.successfulRefunds == 0 && truth.successfulCancels == 0)

        // Memory and descriptors are back where they were after the warm-up.
        #expect(
            after.residentKiB - before.residentKiB < 8 * 1024,
            "RSS \(before.residentKiB) → \(after.residentKiB) KiB"
        )
        #expect(before.unixSockets == listening.unixSockets, "control connections after the warm-up: \(before)")
        #expect(after.unixSockets == before.unixSockets, "control connections \(before) → \(after)")
        #expect(after.nonSockets == before.nonSockets, "descriptors \(before) → \(after)")

        let failures = results.filter { !$0.failures.isEmpty }
        for failure in failures.prefix(15) {
            Issue.record("input \(failure.index) of QRPAYD_RELIABILITY_SEED=\(self.mode.seed): \(failure.summary)")
        }
        let logged = troubles.lines.withLock { $0 }
        #expect(logged.isEmpty, "the daemon logged: \(logged.prefix(5).joined(separator: "\n"))")

        let report = BadInputReport(
            mode: self.mode,
            results: results,
            stall: stall,
            before: before,
            after: after,
            residentTrend: residentTrend,
            fuzzSeconds: (fuzzed - fuzzStarted).fuzzSeconds,
            wallSeconds: (ContinuousClock.now - self.started).fuzzSeconds
        )
        print("RELIABILITY bad-input: \(report.line)")
        try report.write()
    }

    // MARK: Fuzzing

    /// Throws inputs `range` at the socket, ``BadInputTests/width`` connections at a time, on the pool's threads.
    func fuzz(_ fuzzer: ControlSocketFuzzer, _ range: Range<Int>) async throws -> [FuzzResult] {
        let socketPath = self.socketPath
        let pool = self.pool
        return try await withThrowingTaskGroup(of: FuzzResult.self) { group in
            var next = range.lowerBound
            func start(_ index: Int) {
                group.addTask {
                    try await pool.runIfActive {
                        let input = fuzzer.input(index)
                        let clock = ContinuousClock.now
                        let exchange = RawControlSocket.exchange(
                            socketPath,
                            input.bytes,
                            splits: input.splits,
                            timeout: BadInputTests.answerTimeout
                        )
                        return FuzzResult(input, exchange, elapsed: ContinuousClock.now - clock)
                    }
                }
            }
            while next < range.upperBound, next < range.lowerBound + BadInputTests.width {
                start(next)
                next += 1
            }
            var results: [FuzzResult] = []
            while let result = try await group.next() {
                results.append(result)
                if next < range.upperBound {
                    start(next)
                    next += 1
                }
            }
            return results.sorted { $0.index < $1.index }
        }
    }

    // MARK: Slow clients

    /// Holds connections that sent half a request, and one that never reads its answers, while a till on a new
    /// connection asks for the health and takes a whole payment; then lets them go.
    func stallClients(count: Int, baseline: DaemonFootprint) async throws -> StallFigures {
        let socketPath = self.socketPath
        let partials = [
            "",
            "GET /v1/heal",
            "GET /v1/health HTTP/1.1\r\nHost: qrpayd\r\nX-Slow: aaaa",
            "POST /v1/payments HTTP/1.1\r\nHost: qrpayd\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n"
                + "{\"reference\": \"slow 1\", ",
            "POST /v1/payments/fz-slow/refund HTTP/1.1\r\nHost: qrpayd\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n10\r\n{\"amou",
        ]
        var stalled: [Int32] = []
        var deaf: Int32 = -1
        defer {
            stalled.forEach { close($0) }
            if deaf >= 0 { close(deaf) }
        }
        for index in 0..<count {
            let fd = try RawControlSocket.connect(to: socketPath)
            stalled.append(fd)
            try RawControlSocket.sendAll(fd, partials[index % partials.count])
        }
        // One till that asks and asks and never reads: the daemon's answers fill the socket until it stops reading.
        deaf = try RawControlSocket.connect(to: socketPath)
        let deafRequests = try await self.blocking { [deaf] in
            try RawControlSocket.sendUntilBlocked(
                deaf,
                request: "GET /v1/openapi.json HTTP/1.1\r\nHost: qrpayd\r\n\r\n"
            )
        }
        // Connections are accepted in order: once this is answered, every stalled one is in the daemon's hands.
        let barrier = try await self.blocking {
            RawControlSocket.exchange(socketPath, FuzzHTTP.request("GET", "/v1/health"), timeout: .seconds(10))
        }
        #expect(HTTPAnswer.parse(barrier.received).answers.first?.status == 200)
        var held = try DaemonFootprint.read(pid: self.pid)
        for _ in 0..<5 where held.unixSockets < baseline.unixSockets + count + 1 {
            held = try DaemonFootprint.read(pid: self.pid)
        }
        #expect(held.unixSockets >= baseline.unixSockets + count + 1, "stalled connections held: \(held)")

        let clock = ContinuousClock.now
        let health = try await self.till.send(.GET, "/v1/health")
        let healthTime = ContinuousClock.now - clock
        #expect(health.status == 200)
        #expect(healthTime < .seconds(3), "GET /v1/health took \(healthTime) beside stalled clients")
        _ = try await self.pay(BadInputTests.duringStall)
        let paymentTime = ContinuousClock.now - clock - healthTime
        #expect(paymentTime < .seconds(20), "a payment took \(paymentTime) beside stalled clients")

        var hungUp = 0
        if self.mode.name == "long" {
            // The server's idle timeout ends every half-sent request, and the same timeout every connection whose
            // answers have waited that long for a till that does not read (they all connected moments ago).
            let fds = stalled + [deaf]
            hungUp = try await self.blocking {
                fds.filter { RawControlSocket.waitForHangUp($0, timeout: BadInputTests.idleTimeout + .seconds(15)) }
                    .count
            }
            #expect(hungUp == count + 1, "the daemon hung up on \(hungUp) of \(count) stalled clients and 1 deaf one")
        }
        return StallFigures(
            stalled: count,
            deafRequests: deafRequests,
            healthMilliseconds: healthTime.fuzzMilliseconds,
            paymentMilliseconds: paymentTime.fuzzMilliseconds,
            hungUpByIdleTimeout: hungUp
        )
    }

    /// The footprint once the daemon has let go of every connection the test closed (it closes its end a moment
    /// after the client): each new look follows one more request, so the wait is for the daemon's event loops, not
    /// for a clock. Gives up after 500 looks (a loaded CI machine needs more than a few) and returns the last.
    func settledFootprint(unixSockets: Int, nonSockets: Int? = nil) async throws -> DaemonFootprint {
        let socketPath = self.socketPath
        var footprint = try DaemonFootprint.read(pid: self.pid)
        for _ in 0..<500
        where footprint.unixSockets != unixSockets || (nonSockets.map { $0 != footprint.nonSockets } ?? false) {
            _ = try await self.blocking {
                RawControlSocket.exchange(socketPath, FuzzHTTP.request("GET", "/v1/health"), timeout: .seconds(10))
            }
            footprint = try DaemonFootprint.read(pid: self.pid)
        }
        return footprint
    }

    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await self.pool.runIfActive(body)
    }

    // MARK: Payments

    /// Creates a payment, has the customer approve it in the simulator, and waits until the daemon captured it.
    @discardableResult
    func pay(_ reference: String) async throws -> [String: Any] {
        let created = try await self.till.send(
            .POST,
            "/v1/payments",
            json: #"{"reference":"\#(reference)","amount":12900,"text":"Kaffe"}"#
        )
        try #require(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
        try await self.harness.simulator.open(orderId: "kiosk7-\(reference)")
        try await self.harness.simulator.approve(orderId: "kiosk7-\(reference)")
        return try await self.till.waitForState(reference, "captured")
    }
}

/// The daemon's log lines that speak of trouble: errors, and control requests it could not answer.
private final class LoggedTroubles: Sendable {
    let lines = Mutex<[String]>([])
}

/// What one input got, and what was wrong with it.
struct FuzzResult: Sendable {
    var index: Int
    var category: FuzzCategory
    var name: String
    var size: Int
    var statuses: [Int]
    /// Answers that were the HTTP parser's bare `400` and hang-up.
    var bareRefusals: Int
    var end: RawControlSocket.End
    var sendCut: Bool
    var elapsed: Duration
    var failures: [String]
    /// The start of the input, escaped, for the failure report.
    var excerpt: String

    init(_ input: FuzzInput, _ exchange: RawControlSocket.Exchange, elapsed: Duration) {
        self.index = input.index
        self.category = input.category
        self.name = input.name
        self.size = input.bytes.count
        self.end = exchange.end
        self.sendCut = exchange.sendCut
        self.elapsed = elapsed
        self.excerpt = FuzzResult.escape(input.bytes.prefix(160))
        let (answers, complete) = HTTPAnswer.parse(exchange.received)
        self.statuses = answers.map(\.status)
        self.bareRefusals = answers.filter(\.isBareParserRefusal).count
        var failures: [String] = []
        switch exchange.end {
        case .timedOut: failures.append("neither answered nor closed within \(BadInputTests.answerTimeout)")
        case .tooMuch: failures.append("answered more than 4 MiB")
        case .failed: failures.append("connection failed: \(String(cString: strerror(exchange.errorNumber)))")
        case .closed, .streaming: break
        }
        if !complete {
            failures.append("answer cut off or not HTTP: \(FuzzResult.escape(exchange.received.prefix(120)))")
        }
        var okAnswers = 0
        for answer in answers {
            switch answer.status {
            case 200:
                okAnswers += 1
            case 400..<500 where answer.isBareParserRefusal || answer.isProblemDocument:
                break
            case 400..<500 where input.bodiless && answer.body.isEmpty:
                break
            case 400..<500:
                failures.append(
                    "\(answer.status) is not a problem document: \(FuzzResult.escape(answer.body.prefix(120)))"
                )
            default:
                failures.append("answered \(answer.status)")
            }
        }
        if okAnswers > input.allowedOK {
            failures.append("\(okAnswers) answers were 200; at most \(input.allowedOK) of its requests may succeed")
        }
        self.failures = failures
    }

    var summary: String {
        "\(self.category.rawValue) \(FuzzResult.escape(Array(self.name.utf8).prefix(80))) (\(self.size) bytes): "
            + "\(self.failures.joined(separator: "; ")); answers \(self.statuses), \(self.end.rawValue); "
            + "input starts \(self.excerpt)"
    }

    static func escape(_ bytes: some Sequence<UInt8>) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case 0x0D: text += "\\r"
            case 0x0A: text += "\\n"
            case 0x5C: text += "\\\\"
            case 0x20..<0x7F: text.unicodeScalars.append(UnicodeScalar(byte))
            default: text += String(format: "\\x%02x", byte)
            }
        }
        return text
    }
}

/// The slow-client part's figures.
struct StallFigures: Sendable, Codable {
    var stalled: Int
    /// Requests the deaf client got into the daemon before its socket stopped taking more.
    var deafRequests: Int
    var healthMilliseconds: Int
    var paymentMilliseconds: Int
    /// Stalled and deaf connections the daemon hung up on by its idle timeout (waited for in the long mode only).
    var hungUpByIdleTimeout: Int
}

/// The figures of a run: one line for the log, and `.build/reliability/bad-input.json` for the README.
struct BadInputReport: Codable {
    var campaign = "bad-input"
    var mode: String
    var seed: UInt64
    var inputs: Int
    var inputsByCategory: [String: Int]
    var answersByStatus: [String: Int]
    var bareParserRefusals: Int
    var closedWithoutAnswer: Int
    var requestsCutOff: Int
    var failedInputs: Int
    var slowestInputMilliseconds: Int
    var stall: StallFigures
    var rssBeforeKiB: Int
    var rssAfterKiB: Int
    /// VmRSS after every 1000 inputs past the warm-up.
    var rssTrendKiB: [Int]
    var descriptorsBefore: Int
    var descriptorsAfter: Int
    var controlConnectionsBefore: Int
    var controlConnectionsAfter: Int
    var vippsConnectionsAfter: Int
    var fuzzSeconds: Double
    var wallSeconds: Double

    init(
        mode: ReliabilityMode,
        results: [FuzzResult],
        stall: StallFigures,
        before: DaemonFootprint,
        after: DaemonFootprint,
        residentTrend: [Int],
        fuzzSeconds: Double,
        wallSeconds: Double
    ) {
        self.mode = mode.name
        self.seed = mode.seed
        self.inputs = results.count
        self.inputsByCategory = Dictionary(grouping: results, by: \.category.rawValue).mapValues(\.count)
        var statuses: [String: Int] = [:]
        for status in results.flatMap(\.statuses) { statuses[String(status), default: 0] += 1 }
        self.answersByStatus = statuses
        self.bareParserRefusals = results.reduce(0) { $0 + $1.bareRefusals }
        self.closedWithoutAnswer = results.filter { $0.statuses.isEmpty && $0.end == .closed }.count
        self.requestsCutOff = results.filter(\.sendCut).count
        self.failedInputs = results.filter { !$0.failures.isEmpty }.count
        self.slowestInputMilliseconds = results.map(\.elapsed.fuzzMilliseconds).max() ?? 0
        self.stall = stall
        self.rssBeforeKiB = before.residentKiB
        self.rssAfterKiB = after.residentKiB
        self.rssTrendKiB = residentTrend
        self.descriptorsBefore = before.descriptors
        self.descriptorsAfter = after.descriptors
        self.controlConnectionsBefore = before.unixSockets
        self.controlConnectionsAfter = after.unixSockets
        self.vippsConnectionsAfter = after.otherSockets
        self.fuzzSeconds = fuzzSeconds
        self.wallSeconds = wallSeconds
    }

    var line: String {
        func list(_ counts: [String: Int]) -> String {
            counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        return "mode \(self.mode), seed \(self.seed): \(self.inputs) inputs (\(list(self.inputsByCategory))); "
            + "answers \(list(self.answersByStatus)) (bare parser 400s \(self.bareParserRefusals)), "
            + "closed without answer \(self.closedWithoutAnswer), request cut off \(self.requestsCutOff), "
            + "failed \(self.failedInputs), slowest \(self.slowestInputMilliseconds) ms; "
            + "\(self.stall.stalled) stalled + 1 deaf client (\(self.stall.deafRequests) unread requests): health "
            + "\(self.stall.healthMilliseconds) ms, payment \(self.stall.paymentMilliseconds) ms"
            + (self.mode == "long" ? ", \(self.stall.hungUpByIdleTimeout) hung up by the idle timeout; " : "; ")
            + "RSS \(self.rssBeforeKiB / 1024) → \(self.rssAfterKiB / 1024) MiB, "
            + "fds \(self.descriptorsBefore) → \(self.descriptorsAfter) "
            + "(control socket \(self.controlConnectionsBefore) → \(self.controlConnectionsAfter), "
            + "Vipps \(self.vippsConnectionsAfter)); "
            + String(format: "fuzzing %.1f s, wall %.1f s", self.fuzzSeconds, self.wallSeconds)
    }

    func write() throws {
        let directory = packageRoot.appendingPathComponent(".build/reliability")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent("bad-input.json"))
    }
}

extension Duration {
    fileprivate var fuzzSeconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    fileprivate var fuzzMilliseconds: Int { Int(self.fuzzSeconds * 1000) }
}
