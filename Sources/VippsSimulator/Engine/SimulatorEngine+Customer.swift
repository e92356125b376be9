import Foundation

/// What a customer can do with a payment in the Vipps app.
enum CustomerAction: String, Sendable, CaseIterable {
    case open
    case approve
    case decline
    case cardDecline = "card-decline"
    case expire
}

extension SimulatorEngine {
    /// Test-app amounts that make the card fail (insufficient funds, refused, fraud, limit, expired, invalid,
    /// 3-D Secure denied).
    static let cardDeclineAmounts: Set<Int> = [151, 182, 183, 184, 186, 187, 197]

    func perform(_ action: CustomerAction, orderId: String, msn: String?) throws(SimulatorError) -> SimulatedPayment {
        let outcome = self.transact { now in
            Result { () throws(SimulatorError) -> SimulatedPayment in
                guard let key = self.findPayment(orderId: orderId, msn: msn), var payment = self.payments[key] else {
                    throw SimulatorError(code: .paymentNotFound, message: "No payment with orderId \(orderId)")
                }
                guard payment.isOpenForCustomer else {
                    throw SimulatorError(
                        code: .actionNotAllowed,
                        message: "Cannot \(action.rawValue) payment \(orderId): it is \(payment.state.rawValue)"
                    )
                }
                self.apply(action, to: &payment, at: now)
                self.payments[key] = payment
                return payment.truth
            }
        }
        return try outcome.get()
    }

    private func apply(_ action: CustomerAction, to payment: inout PaymentRecord, at now: Date) {
        switch action {
        case .open:
            if payment.state == .initiated { payment.markOpened(at: now) }
        case .approve:
            if payment.state == .initiated { payment.markOpened(at: now) }
            let magicAmount = Self.cardDeclineAmounts.contains(payment.amount)
            if self.configuration.environment == .test && magicAmount && payment.failedReservations == 0 {
                Self.declineCard(&payment, at: now)
            } else {
                Self.reserve(&payment, at: now)
            }
        case .decline:
            payment.state = .declined
            payment.append(
                .cancel,
                amount: payment.amount,
                success: true,
                at: now,
                transactionId: payment.transactionId
            )
        case .cardDecline:
            if payment.state == .initiated { payment.markOpened(at: now) }
            Self.declineCard(&payment, at: now)
        case .expire:
            Self.expire(&payment, at: now, shape: self.configuration.expiryShape)
        }
    }

    /// A failed reservation leaves the payment open: the customer may try another card.
    private static func declineCard(_ payment: inout PaymentRecord, at now: Date) {
        payment.failedReservations += 1
        payment.append(.reserve, amount: payment.amount, success: false, at: now, transactionId: payment.transactionId)
    }
}
