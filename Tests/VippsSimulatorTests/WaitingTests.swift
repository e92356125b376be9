import Foundation
import Testing

@testable import VippsSimulator

@Suite("Waiting for events instead of sleeping")
struct WaitingTests {
    @Test("waitForRequest resumes when a matching request arrives")
    func waitForRequest() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await withThrowingTaskGroup(of: RecordedRequest.self) { group in
                group.addTask {
                    try await sim.simulator.waitForRequest { $0.path.hasSuffix("/details") && $0.orderId == orderId }
                }
                try await client.initiate(orderId: orderId)
                _ = try await client.details(orderId)
                let found = try #require(try await group.next())
                #expect(found.status == 200)
            }
        }
    }

    @Test("waitForRequests counts matching requests")
    func waitForSeveral() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            async let polled = sim.simulator.waitForRequests(count: 3) { $0.path.hasSuffix("/details") }
            for _ in 1...3 {
                _ = try await client.details("x")
            }
            #expect(try await polled.count == 3)
        }
    }

    @Test("waitForPayment resumes when the payment reaches the state")
    func waitForPayment() async throws {
        try await LiveSimulator.with { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            async let reserved = sim.simulator.waitForPayment(orderId: orderId) { $0.state == .reserved }
            try await client.initiate(orderId: orderId)
            try await sim.simulator.approve(orderId: orderId)
            #expect(try await reserved.state == .reserved)
        }
    }

    @Test("a cancelled wait throws CancellationError")
    func cancelledWait() async throws {
        try await LiveSimulator.with { sim in
            let waiter = Task { try await sim.simulator.waitForRequest { $0.path == "/never" } }
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
        }
    }

    @Test("the demo customer opens and approves new payments by itself")
    func autoCustomer() async throws {
        let configuration = VippsSimulatorConfiguration(
            autoCustomer: .init(openAfter: .milliseconds(1), approveAfter: .milliseconds(2))
        )
        try await LiveSimulator.with(configuration) { sim in
            let client = try await sim.client()
            let orderId = newOrderId()
            try await client.initiate(orderId: orderId)
            let payment = try await sim.simulator.waitForPayment(orderId: orderId) { $0.state == .reserved }
            #expect(payment.openedAt != nil)
            #expect(operations(try await client.details(orderId)) == ["RESERVE:ok", "INITIATE:ok"])
        }
    }
}
