import Foundation
import Logging
import PaymentCore
import TestSupport
import Testing
import VippsSimulator

/// Two boxes on one sales unit with the same orderId prefix and the same till reference: the second box must never
/// look at, follow or cancel the first box's payment, and its own failed payment must never turn into a sale.
@Suite(.timeLimit(.minutes(2)))
struct OrderIdOwnershipTests {
    @Test func anotherBoxsOrderIdIsNeverTouched() async throws {
        try await EngineHarness.run(engine: .testing { $0.settlement = .till }) { boxA in
            let directory = try TemporaryDirectory(prefix: "qrpayd-box-b")
            let storeB = try PaymentStore(directory: directory.path)
            let boxB = PaymentEngine(
                configuration: .testing { $0.settlement = .till },
                vipps: boxA.simulatorHarness.makeClient(systemVersion: "box-b"),
                store: storeB,
                logger: Logger(label: "test.box-b")
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                try await boxB.recover()
                group.addTask { await boxB.runPollLoop() }
                var events = await boxA.events()

                let (first, _) = try await boxA.engine.create(
                    PaymentRequest(reference: "same-ref", amount: 12900, text: "Box A")
                )
                #expect(first.state == .awaitingScan)
                await boxA.simulator.clearRequests()
                let (second, created) = try await boxB.create(
                    PaymentRequest(reference: "same-ref", amount: 5000, text: "Box B")
                )
                #expect(created)
                #expect(second.state == .failed)
                #expect(second.error?.vipps?.errorCode == "34")
                #expect(second.operations.isEmpty)

                // Box B sent one initiate and nothing else about that orderId: no look-up, no cancel.
                let fromB = await boxA.simulator.requests().filter {
                    $0.orderId == first.orderId && $0.systemVersion == "box-b"
                }
                #expect(fromB.count == 1, "\(fromB.map { "\($0.method) \($0.path)" })")

                // The customer in front of box A pays; box A's payment goes on untouched.
                try await boxA.simulator.open(orderId: first.orderId)
                try await boxA.simulator.approve(orderId: first.orderId)
                #expect(await events.next("same-ref", .authorized) != nil)
                let captured = try await boxA.engine.capture(reference: "same-ref", amount: nil)
                #expect(captured.payment.capturedAmount == 12900)

                // Box B's payment stays failed, and it cannot be captured or cancelled into someone else's money.
                let stillFailed = try await boxB.payment(reference: "same-ref")
                #expect(stillFailed.state == .failed)
                #expect(stillFailed.capturedAmount == 0)
                await #expect(throws: PaymentProblem.self) {
                    _ = try await boxB.capture(reference: "same-ref", amount: nil)
                }
                let cancelled = try await boxB.cancel(reference: "same-ref")
                #expect(cancelled.operation == nil)
                let truth = try #require(await boxA.simulator.payment(orderId: first.orderId))
                #expect(truth.capturedAmount == 12900)
                #expect(truth.successfulCancels == 0)
                let cancels = await boxA.simulator.requests().filter { $0.path.hasSuffix("/cancel") }
                #expect(cancels.isEmpty)
                let laterFromB = await boxA.simulator.requests().filter {
                    $0.orderId == first.orderId && $0.systemVersion == "box-b"
                }
                #expect(laterFromB.count == 1, "box B never looked at the other box's payment again")
                group.cancelAll()
            }
        }
    }

    /// The default prefix differs between boxes: it is derived from each box's machine id.
    @Test func theDefaultPrefixIsTheBoxsOwn() throws {
        let directory = try TemporaryDirectory()
        try "0123456789abcdef0123456789abcdef\n".write(to: directory.file("a"), atomically: true, encoding: .utf8)
        try "fedcba9876543210fedcba9876543210\n".write(to: directory.file("b"), atomically: true, encoding: .utf8)
        let first = try #require(BoxPrefix.derive(machineIDPath: directory.file("a").path))
        let again = try #require(BoxPrefix.derive(machineIDPath: directory.file("a").path))
        let other = try #require(BoxPrefix.derive(machineIDPath: directory.file("b").path))
        #expect(BoxPrefix.derive(machineIDPath: directory.file("missing").path) == nil)
        #expect(first == again)
        #expect(first != other)
        #expect(first.count == 9)
        #expect(first.hasPrefix("qp") && first.hasSuffix("-"))
    }
}
