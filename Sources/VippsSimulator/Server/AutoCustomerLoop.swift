import Logging

/// Demo mode's pretend customer: opens every new payment, then approves it (or, acting by amount, does what the
/// amount's øre ask for), on a real-time schedule.
struct AutoCustomerLoop: Sendable {
    typealias Behaviour = VippsSimulatorConfiguration.AutoCustomer.Behaviour

    let engine: SimulatorEngine
    let faults: FaultBoard
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
        var behaviour = Behaviour.approve
        if self.timing.actsByAmount, let payment = await self.engine.payment(orderId: key.orderId, msn: key.msn) {
            behaviour = Behaviour.forAmount(payment.amount)
        }
        do {
            try await Task.sleep(for: self.timing.openAfter)
            if behaviour == .walkAway {
                try await Task.sleep(for: max(.zero, self.timing.approveAfter - self.timing.openAfter))
                // Vipps ends an unopened payment after 5 minutes; the demo does not make anyone wait that long.
                await self.engine.advanceClock(by: self.engine.configuration.openTimeout)
                return
            }
            _ = try await self.engine.perform(.open, orderId: key.orderId, msn: key.msn)
            try await Task.sleep(for: max(.zero, self.timing.approveAfter - self.timing.openAfter))
            switch behaviour {
            case .approve, .walkAway:
                _ = try await self.engine.perform(.approve, orderId: key.orderId, msn: key.msn)
            case .decline:
                _ = try await self.engine.perform(.decline, orderId: key.orderId, msn: key.msn)
            case .cardRefusedThenApprove, .cardRefused:
                _ = try await self.engine.perform(.cardDecline, orderId: key.orderId, msn: key.msn)
                try await Task.sleep(for: self.timing.approveAfter - self.timing.openAfter)
                let next: CustomerAction = behaviour == .cardRefused ? .decline : .approve
                _ = try await self.engine.perform(next, orderId: key.orderId, msn: key.msn)
            case .openAndWait:
                return
            case .vippsUnreachable:
                self.faults.add(.unreachable(for: .seconds(12)))
                _ = try await self.engine.perform(.approve, orderId: key.orderId, msn: key.msn)
            }
        } catch {
            // Cancelled, or the payment was finished some other way first: either way nothing to do.
            self.logger.debug("Auto customer stopped", metadata: ["vipps.orderId": "\(key.orderId)"])
        }
    }
}
