import Foundation

/// Someone waiting for requests, so tests react to the event instead of sleeping.
struct RequestWaiter: Sendable {
    var count: Int
    var predicate: @Sendable (RecordedRequest) -> Bool
    var continuation: CheckedContinuation<[RecordedRequest], any Error>
}

/// Someone waiting for a payment to reach a condition.
struct PaymentWaiter: Sendable {
    var orderId: String
    var predicate: @Sendable (SimulatedPayment) -> Bool
    var continuation: CheckedContinuation<SimulatedPayment, any Error>
}

extension SimulatorEngine {
    /// What the server knows about a request once it has been answered (or dropped).
    struct RequestFacts: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var orderId: String?
        var status: Int?
        var fault: String?
    }

    private static let limitedHeaders = [
        "merchant-serial-number", "vipps-system-name", "vipps-system-version", "vipps-system-plugin-name",
        "vipps-system-plugin-version",
    ]
    private static let headerLimit = 30

    func record(_ facts: RequestFacts) {
        let request = RecordedRequest(
            sequence: self.nextRequestSequence,
            time: self.now,
            method: facts.method,
            path: facts.path,
            orderId: facts.orderId,
            status: facts.status,
            requestId: facts.headers["x-request-id"] ?? facts.headers["idempotency-key"],
            merchantSerialNumber: facts.headers["merchant-serial-number"],
            systemName: facts.headers["vipps-system-name"],
            systemVersion: facts.headers["vipps-system-version"],
            pluginName: facts.headers["vipps-system-plugin-name"],
            pluginVersion: facts.headers["vipps-system-plugin-version"],
            headerNames: Set(facts.headers.keys),
            overlongHeaders: Set(Self.limitedHeaders.filter { (facts.headers[$0]?.count ?? 0) > Self.headerLimit }),
            fault: facts.fault
        )
        self.nextRequestSequence += 1
        self.requests.append(request)
        for (id, waiter) in self.requestWaiters {
            let matches = self.requests.filter(waiter.predicate)
            if matches.count >= waiter.count {
                self.requestWaiters[id] = nil
                waiter.continuation.resume(returning: Array(matches.prefix(waiter.count)))
            }
        }
    }

    func recordedRequests() -> [RecordedRequest] {
        self.requests
    }

    func clearRequests() {
        self.requests.removeAll()
    }

    /// Resumes once `count` recorded requests (past or future, since the last clear) match.
    func waitForRequests(
        count: Int,
        matching predicate: @escaping @Sendable (RecordedRequest) -> Bool
    ) async throws -> [RecordedRequest] {
        let matches = self.requests.filter(predicate)
        if matches.count >= count { return Array(matches.prefix(count)) }
        let id = UUID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard !Task.isCancelled else {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                self.requestWaiters[id] = RequestWaiter(count: count, predicate: predicate, continuation: continuation)
            }
        } onCancel: {
            // The cancellation callback is synchronous and outside the actor; hop back in to remove the waiter.
            Task { await self.cancelRequestWaiter(id) }
        }
    }

    /// Resumes once the payment satisfies `predicate` (checked after every change and clock advance).
    func waitForPayment(
        orderId: String,
        where predicate: @escaping @Sendable (SimulatedPayment) -> Bool
    ) async throws -> SimulatedPayment {
        if let payment = self.payment(orderId: orderId, msn: nil), predicate(payment) { return payment }
        let id = UUID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard !Task.isCancelled else {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                self.paymentWaiters[id] = PaymentWaiter(
                    orderId: orderId,
                    predicate: predicate,
                    continuation: continuation
                )
            }
        } onCancel: {
            // As above: bridge the synchronous cancellation callback back onto the actor.
            Task { await self.cancelPaymentWaiter(id) }
        }
    }

    func notifyPaymentWaiters() {
        for (id, waiter) in self.paymentWaiters {
            guard let key = self.findPayment(orderId: waiter.orderId, msn: nil),
                let payment = self.payments[key]?.truth, waiter.predicate(payment)
            else { continue }
            self.paymentWaiters[id] = nil
            waiter.continuation.resume(returning: payment)
        }
    }

    private func cancelRequestWaiter(_ id: UUID) {
        self.requestWaiters.removeValue(forKey: id)?.continuation.resume(throwing: CancellationError())
    }

    private func cancelPaymentWaiter(_ id: UUID) {
        self.paymentWaiters.removeValue(forKey: id)?.continuation.resume(throwing: CancellationError())
    }
}
