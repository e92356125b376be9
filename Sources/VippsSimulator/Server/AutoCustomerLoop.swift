import Logging

/// Demo mode's pretend customer: opens every new payment, then approves it, on a real-time schedule.
struct AutoCustomerLoop: Sendable {
    let engine: SimulatorEngine
    let timing: VippsSimulatorConfiguration.AutoCustomer
    let logger: Logger

    func run() async {
        await withDiscardingTaskGroup { group in
            for await key in self.engine.initiations {
                group.addTask { await self.play(key) }
            }
        }
    }

    private func play(_ key: PaymentKey) async {
        do {
            try await Task.sleep(for: self.timing.openAfter)
            _ = try await self.engine.perform(.open, orderId: key.orderId, msn: key.msn)
            try await Task.sleep(for: max(.zero, self.timing.approveAfter - self.timing.openAfter))
            _ = try await self.engine.perform(.approve, orderId: key.orderId, msn: key.msn)
        } catch {
            // Cancelled, or the payment was finished some other way first: either way nothing to do.
            self.logger.debug("Auto customer stopped", metadata: ["vipps.orderId": "\(key.orderId)"])
        }
    }
}
