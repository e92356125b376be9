package import CustomerDisplay
import Foundation
package import PaymentCore
import VippsAPI

/// Turns payment changes into customer screens. Only the payment in front of the customer moves the screen: a refund
/// of yesterday's payment must not flash "paid" at today's customer.
package actor DisplayBridge {
    private let feed: DisplayFeed
    private var onScreen: String?
    private var current: Payment?
    private var vippsReachable = true
    private var qrVersion = 0

    /// The QR on screen expires with the landing page: 5 minutes after the payment was created.
    static let qrLifetime: TimeInterval = 300

    package init(feed: DisplayFeed) {
        self.feed = feed
    }

    package func handle(_ update: PaymentEngineUpdate) async {
        switch update {
        case .payment(let payment):
            if payment.state == .awaitingScan || payment.state == .initiating {
                self.onScreen = payment.reference
            }
            guard payment.reference == self.onScreen else { return }
            self.current = payment
        case .vippsReachability(let reachable, _):
            self.vippsReachable = reachable
        }
        guard let payment = self.current else { return }
        await self.feed.show(self.screen(for: payment))
    }

    func screen(for payment: Payment) -> DisplayScreen {
        if !self.vippsReachable && payment.state.isWithCustomer {
            return DisplayScreen(
                kind: .connectionProblem,
                reference: payment.reference,
                amount: payment.amount,
                text: payment.text,
                reason: .vippsUnavailable
            )
        }
        switch payment.state {
        case .initiating:
            return .idle
        case .awaitingScan:
            self.qrVersion += 1
            return DisplayScreen(
                kind: .qr,
                reference: payment.reference,
                amount: payment.amount,
                currency: payment.currency,
                text: payment.text,
                qrVersion: self.qrVersion,
                expiresAt: payment.createdAt.addingTimeInterval(Self.qrLifetime)
            )
        case .scanned:
            return DisplayScreen(
                kind: .scanned,
                reference: payment.reference,
                amount: payment.amount,
                currency: payment.currency,
                text: payment.text,
                expiresAt: (payment.scannedAt ?? payment.createdAt).addingTimeInterval(Self.qrLifetime)
            )
        case .authorized, .captured:
            // Approved is paid as far as the customer is concerned; capturing is the shop's business.
            return DisplayScreen(
                kind: .paid,
                reference: payment.reference,
                amount: payment.amount,
                currency: payment.currency,
                text: payment.text
            )
        case .cancelled, .voided:
            return self.outcome(.cancelled, payment, reason: .cancelledByShop)
        case .rejected:
            return self.outcome(
                .declined,
                payment,
                reason: payment.error?.code == "card-declined" ? .cardDeclined : .customerDeclined
            )
        case .expired:
            return self.outcome(.expired, payment, reason: .timedOut)
        case .failed:
            let guidance = payment.error.flatMap { VippsErrorGuidance.entry(id: $0.code) }
            let reason =
                guidance.flatMap { DisplayScreen.Reason(rawValue: $0.customerMessage.rawValue) } ?? .technicalError
            return self.outcome(.failed, payment, reason: reason)
        }
    }

    private func outcome(_ kind: DisplayScreen.Kind, _ payment: Payment, reason: DisplayScreen.Reason) -> DisplayScreen
    {
        DisplayScreen(
            kind: kind,
            reference: payment.reference,
            amount: payment.amount,
            currency: payment.currency,
            text: payment.text,
            reason: reason
        )
    }
}
