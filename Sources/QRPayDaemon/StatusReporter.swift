import Foundation
import PaymentCore
import SystemdSupport

/// Keeps `systemctl status qrpayd` telling what the daemon is doing: idle, a payment waiting for a scan, Vipps
/// unreachable.
actor StatusReporter {
    private let notifier: ServiceManagerNotifier
    private var active: Payment?
    private var vippsReachable = true
    private var lastStatus = ""

    init(notifier: ServiceManagerNotifier) {
        self.notifier = notifier
    }

    func handle(_ update: PaymentEngineUpdate) {
        switch update {
        case .payment(let payment):
            if payment.state.isWithCustomer || payment.state == .authorized && payment.settlement == .auto {
                self.active = payment
            } else if self.active?.reference == payment.reference {
                self.active = nil
            }
        case .vippsReachability(let reachable, _):
            self.vippsReachable = reachable
        }
        self.publish()
    }

    func publish() {
        let status = self.text()
        guard status != self.lastStatus else { return }
        self.lastStatus = status
        self.notifier.status(status)
    }

    func text() -> String {
        var parts: [String] = []
        if !self.vippsReachable { parts.append("Vipps unreachable, retrying") }
        if let payment = self.active {
            let amount = String(format: "%d.%02d NOK", payment.amount / 100, payment.amount % 100)
            switch payment.state {
            case .initiating: parts.append("Creating payment \(payment.reference) (\(amount))")
            case .awaitingScan: parts.append("Payment \(payment.reference) (\(amount)) awaiting scan")
            case .scanned: parts.append("Payment \(payment.reference) (\(amount)): customer is approving")
            default: parts.append("Payment \(payment.reference) (\(amount)): \(payment.state.rawValue)")
            }
        } else {
            parts.append("Idle, ready for the till")
        }
        return parts.joined(separator: "; ")
    }
}
