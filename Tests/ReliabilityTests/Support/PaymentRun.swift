import AsyncHTTPClient
import Foundation
import NIOHTTP1
import TestSupport
import VippsSimulator

/// Plays one payment the way a till and a customer would, through the real daemon and the simulator, and keeps
/// going across daemon restarts: a till request that fails because the daemon went away is sent again (same
/// reference, same body) once it is back, as the control API asks of a till.
struct PaymentRun: Sendable {
    let harness: SimulatorHarness
    let supervisor: DaemonSupervisor
    let ledger: TillLedger
    let settlement: String
    /// `vipps.api` of the daemon. ePayment has no "scanned": the customer's steps that wait for it differ.
    var api = "ecom"
    let orderIdPrefix: String

    struct TillGaveUp: Error, CustomStringConvertible {
        var request: String
        var lastError: String
        var description: String { "the till could not get an answer to \(self.request): \(self.lastError)" }
    }

    /// A till request, repeated after a daemon restart; every payment in an answer is recorded as seen.
    @discardableResult
    func till(
        _ method: HTTPMethod,
        _ path: String,
        json: String? = nil,
        headers: [(String, String)] = []
    ) async throws -> TillClient.Answer {
        var lastError = ""
        for _ in 0..<30 {
            do {
                let answer = try await self.supervisor.till.send(method, path, json: json, headers: headers)
                if let payment = try? JSONDecoder().decode(TillPayment.self, from: answer.body) {
                    await self.ledger.record(payment)
                }
                return answer
            } catch {
                lastError = "\(error)"
                try await self.supervisor.ensureRunning()
            }
        }
        throw TillGaveUp(request: "\(method) \(path)", lastError: lastError)
    }

    struct Outcome: Sendable {
        /// The payment as it ended; `nil` if the daemon refused to create it.
        var payment: TillPayment?
        /// The problem `type` of a refusal.
        var refusal: String?

        var label: String { self.payment?.state ?? "refused (\(self.refusal ?? "?"))" }
    }

    /// One payment from the till's request to its outcome.
    func play(
        reference: String,
        amount: Int,
        behaviour: CustomerBehaviour,
        tillSettlement: TillSettlement
    ) async throws -> Outcome {
        let body = #"{"reference":"\#(reference)","amount":\#(amount),"text":"Soak \#(reference)"}"#
        let created = try await self.till(.POST, "/v1/payments", json: body)
        guard let payment = try? JSONDecoder().decode(TillPayment.self, from: created.body) else {
            // Refused (e.g. Vipps unavailable): the daemon may still hold a record if it got that far.
            let refusal = (created.json["type"] as? String).map { String($0.split(separator: ":").last ?? "") }
            let lookup = try await self.till(.GET, "/v1/payments/\(reference)")
            guard lookup.status == 200 else { return Outcome(refusal: "\(created.status) \(refusal ?? "")") }
            return Outcome(payment: await self.settle(reference, tillSettlement: tillSettlement))
        }
        if payment.state == "awaiting-scan" || payment.state == "scanned" {
            try await self.customer(behaviour, reference: reference, orderId: payment.orderId)
        }
        return Outcome(payment: await self.settle(reference, tillSettlement: tillSettlement))
    }

    private func customer(_ behaviour: CustomerBehaviour, reference: String, orderId: String) async throws {
        let simulator = self.harness.simulator
        // The customer's app does not care what the daemon is doing; an action the payment no longer allows (the
        // cashier cancelled first) is simply not possible for them.
        switch behaviour {
        case .approve:
            _ = try? await simulator.open(orderId: orderId)
            _ = try? await simulator.approve(orderId: orderId)
        case .approveAfterScanShows:
            _ = try? await simulator.open(orderId: orderId)
            if self.api == "ecom" {
                _ = await self.ledger.wait(for: reference) { $0.state != "awaiting-scan" }
            }
            _ = try? await simulator.approve(orderId: orderId)
        case .decline:
            _ = try? await simulator.open(orderId: orderId)
            _ = try? await simulator.decline(orderId: orderId)
        case .cardDeclinedThenApprove:
            _ = try? await simulator.open(orderId: orderId)
            _ = try? await simulator.cardDecline(orderId: orderId)
            _ = try? await simulator.approve(orderId: orderId)
        case .walkAway:
            // Vipps' five minutes pass on the simulator's clock; its expiry is stamped then, as Vipps does.
            await simulator.advanceClock(by: .seconds(301))
            _ = try? await simulator.waitForPayment(orderId: orderId) { $0.state == .expired }
        case .tillCancelsBeforeScan:
            try await self.money(reference, "cancel")
        case .tillCancelsAfterScan where self.api == "epayment":
            // ePayment will not cancel while the customer is approving ("Cannot cancel pending"): the till's cancel
            // stays pending until the customer gives up in the app, then ends the payment `cancelled`.
            _ = try? await simulator.open(orderId: orderId)
            let cancel = Task { try await self.money(reference, "cancel") }
            _ = try? await simulator.waitForRequest { request in
                request.orderId == orderId && request.path.hasSuffix("/cancel")
            }
            _ = try? await simulator.decline(orderId: orderId)
            try await cancel.value
        case .tillCancelsAfterScan:
            _ = try? await simulator.open(orderId: orderId)
            _ = await self.ledger.wait(for: reference) { $0.state != "awaiting-scan" }
            try await self.money(reference, "cancel")
        case .tillCancelsWhileApproving:
            _ = try? await simulator.open(orderId: orderId)
            let approving = Task {
                do { try await simulator.approve(orderId: orderId) } catch {}
            }
            try await self.money(reference, "cancel")
            await approving.value
        }
    }

    /// Waits for the outcome; with settlement `till`, settles an approved payment the way the till chose.
    private func settle(_ reference: String, tillSettlement: TillSettlement) async -> TillPayment? {
        let tillSettles = self.settlement == "till"
        let settled: @Sendable (TillPayment) -> Bool = { $0.final || (tillSettles && $0.state == "authorized") }
        let payment = await self.ledger.wait(for: reference, until: settled)
        guard payment.state == "authorized", self.settlement == "till" else { return payment }
        do {
            switch tillSettlement {
            case .capture:
                try await self.money(reference, "capture")
            case .captureThenRefund:
                try await self.money(reference, "capture")
                try await self.money(reference, "refund", amount: max(1, payment.amount / 3))
            case .cancel:
                try await self.money(reference, "cancel")
            }
        } catch {
            return nil
        }
        return await self.ledger.wait(for: reference) { $0.final }
    }

    /// A cashier's capture, refund or cancel, the way the control API asks a till to send it: with an
    /// `Idempotency-Key`, sent again with the same key when no answer (or a 5xx) came back; after `202` the till waits
    /// for the operation's outcome on the event stream instead of asking again. Everything asked and told goes into
    /// the ledger, for the invariants.
    private func money(_ reference: String, _ kind: String, amount: Int? = nil) async throws {
        let key = UUID().uuidString
        let index = await self.ledger.ask(
            reference,
            TillAsk(kind: kind, amount: amount, key: key, askedAt: await self.harness.simulator.now())
        )
        let json = amount.map { #"{"amount":\#($0)}"# }
        var pending: String?
        for _ in 0..<8 {
            let answer = try await self.till(
                .POST,
                "/v1/payments/\(reference)/\(kind)",
                json: json,
                headers: [("Idempotency-Key", key)]
            )
            let operation = Self.operation(in: answer.body)
            await self.ledger.told(reference, index: index, status: answer.status, operation: operation)
            if answer.status < 500 {
                if answer.status == 202 { pending = operation?.id }
                break
            }
        }
        if let pending {
            _ = await self.ledger.wait(for: reference) { payment in
                payment.operations?.contains { $0.id == pending && $0.state != "pending" } ?? false
            }
        }
    }

    /// The `operation` of an answer or of a problem.
    private static func operation(in body: Data) -> TillOperation? {
        struct Carrier: Decodable { var operation: TillOperation? }
        return (try? JSONDecoder().decode(Carrier.self, from: body))?.operation
    }

    /// The daemon's own final word on each reference, read after the run.
    func daemonView(of references: [String]) async throws -> [String: TillPayment] {
        var view: [String: TillPayment] = [:]
        for reference in references {
            let answer = try await self.till(.GET, "/v1/payments/\(reference)")
            if answer.status == 200, let payment = try? JSONDecoder().decode(TillPayment.self, from: answer.body) {
                view[reference] = payment
            }
        }
        return view
    }
}
