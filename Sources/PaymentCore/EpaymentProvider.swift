import Foundation
public import VippsAPI

/// The ePayment API v1 as a ``PaymentProvider``: the QR user flow with `TEXT/TARGETURL`, so the answer's
/// `redirectUrl` is the QR code's text and no QR API call is made.
///
/// The state comes from `state` and the `aggregate` amounts; the event log is read only when a capture, refund or
/// cancel has moved money (to tell which Idempotency-Keys Vipps carried out). ePayment has no "opened" signal: a
/// payment stays ``ProviderPayment/Status/created`` until it is approved, so the screen keeps its QR code.
///
/// ePayment reads, captures, cancels and refunds payments that eCom created too, so a box switched to ePayment
/// finishes what it started with eCom.
public struct EpaymentProvider: PaymentProvider {
    let client: VippsClient

    public init(client: VippsClient) {
        self.client = client
    }

    public var api: VippsAPIKind { .epayment }

    public func create(orderId: String, amount: Int, currency: VippsCurrency, text: String, idempotencyKey: String)
        async throws(VippsError) -> String
    {
        try await self.client.epaymentCreate(
            reference: orderId,
            amount: amount,
            currency: currency,
            description: text,
            idempotencyKey: idempotencyKey
        )
    }

    /// `redirectUrl` is already the text to encode.
    public func qrText(paymentURL: String) async throws(VippsError) -> String { paymentURL }

    public func read(orderId: String) async throws(VippsError) -> ProviderPayment {
        let payment = try await self.client.epaymentPayment(reference: orderId)
        let moved = payment.capturedAmount > 0 || payment.refundedAmount > 0 || payment.cancelledAmount > 0
        let events =
            payment.state == .authorized && moved ? try await self.client.epaymentEvents(reference: orderId) : []
        return ProviderPayment(epayment: payment, events: events)
    }

    public func capture(orderId: String, amount: Int?, currency: VippsCurrency, text: String, idempotencyKey: String)
        async throws(VippsError) -> ProviderAmounts?
    {
        var value = amount
        if value == nil {
            // The rest of the reservation: ePayment wants an amount.
            let payment = try await self.client.epaymentPayment(reference: orderId)
            value = payment.authorizedAmount - payment.capturedAmount - payment.cancelledAmount
        }
        let aggregate = try await self.client.epaymentCapture(
            reference: orderId,
            amount: value ?? 0,
            currency: currency,
            idempotencyKey: idempotencyKey
        )
        return ProviderAmounts(epayment: aggregate)
    }

    public func refund(orderId: String, amount: Int, currency: VippsCurrency, text: String, idempotencyKey: String)
        async throws(VippsError) -> ProviderAmounts?
    {
        ProviderAmounts(
            epayment: try await self.client.epaymentRefund(
                reference: orderId,
                amount: amount,
                currency: currency,
                idempotencyKey: idempotencyKey
            )
        )
    }

    /// Before approval: TERMINATED. After it (or after a partial capture): the rest is released. A cancel while the
    /// customer is approving is answered "Cannot cancel pending", which the engine treats as not done yet and repeats.
    public func cancel(orderId: String, text: String, releaseRemaining: Bool, idempotencyKey: String)
        async throws(VippsError)
    {
        _ = try await self.client.epaymentCancel(reference: orderId, idempotencyKey: idempotencyKey)
    }
}

extension ProviderPayment {
    /// ABORTED is the customer's no, EXPIRED a timeout, TERMINATED the merchant's cancel before approval. AUTHORIZED
    /// stays AUTHORIZED through captures, refunds and cancels: the aggregate says what happened.
    init(epayment payment: EpaymentPayment, events: [EpaymentEvent]) {
        let remaining = max(0, payment.authorizedAmount - payment.capturedAmount - payment.cancelledAmount)
        let status: Status
        var stopReason: StopReason?
        switch payment.state {
        case .created:
            status = .created
        case .aborted:
            status = .cancelled
            stopReason = .customer
        case .expired:
            status = .cancelled
            stopReason = .timeout
        case .terminated:
            status = .cancelled
            stopReason = .merchant
        case .authorized:
            if payment.capturedAmount > 0 {
                status = .captured(
                    captured: payment.capturedAmount,
                    remaining: remaining,
                    refunded: payment.refundedAmount
                )
            } else if payment.cancelledAmount > 0 {
                status = .voided
            } else {
                status = .authorized(amount: payment.authorizedAmount)
            }
        }
        func applied(_ name: EpaymentEvent.Name) -> Set<String> {
            Set(events.filter { $0.name == name && $0.success }.compactMap(\.idempotencyKey))
        }
        self.init(
            status: status,
            released: payment.capturedAmount > 0 && payment.cancelledAmount > 0,
            appliedCaptures: applied(.captured),
            appliedRefunds: applied(.refunded),
            stopReason: stopReason
        )
    }
}

extension ProviderAmounts {
    init(epayment aggregate: EpaymentPayment.Aggregate) {
        self.init(
            captured: aggregate.captured,
            remainingToCapture: max(0, aggregate.authorized - aggregate.captured - aggregate.cancelled),
            refunded: aggregate.refunded
        )
    }
}
