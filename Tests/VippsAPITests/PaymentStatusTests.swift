import Foundation
import Testing

@testable import VippsAPI

/// The derived status table of VIPPS-FACTS §3.4, one row per case.
@Suite struct PaymentStatusTests {
    typealias E = TransactionLogEntry

    static func at(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_700_000_000 + seconds) }

    static let initiate = E(operation: .initiate, amount: 12900, success: true, timeStamp: at(0))
    static let scanned = E(
        operation: .initiate,
        amount: 12900,
        success: true,
        transactionId: "5001420062",
        timeStamp: at(0)
    )
    static let reserveFailed = E(operation: .reserve, amount: 12900, success: false, timeStamp: at(10))
    static let reserve = E(operation: .reserve, amount: 12900, success: true, timeStamp: at(20))
    static let capture = E(operation: .capture, amount: 5000, success: true, requestId: "o-capture", timeStamp: at(30))
    static let refund = E(operation: .refund, amount: 2000, success: true, requestId: "o-refund", timeStamp: at(40))

    static let cases: [(String, [E], TransactionSummary?, PaymentStatus)] = [
        ("only initiate", [initiate], nil, .initiated),
        ("opened", [scanned], nil, .scanned),
        ("card declined", [reserveFailed, scanned], nil, .declinedRetryable),
        ("declined then approved", [reserve, reserveFailed, scanned], nil, .reserved(amount: 12900)),
        ("approved", [reserve, scanned], nil, .reserved(amount: 12900)),
        (
            "partly captured", [capture, reserve, scanned],
            TransactionSummary(
                capturedAmount: 5000,
                remainingAmountToCapture: 7900,
                refundedAmount: 0,
                remainingAmountToRefund: 5000
            ),
            .captured(captured: 5000, remainingToCapture: 7900, refunded: 0)
        ),
        (
            "captured without summary", [capture, reserve, scanned], nil,
            .captured(captured: 5000, remainingToCapture: 7900, refunded: 0)
        ),
        (
            "refunded", [refund, capture, reserve, scanned], nil,
            .captured(captured: 5000, remainingToCapture: 7900, refunded: 2000)
        ),
        (
            "declined by customer", [E(operation: .cancel, amount: 12900, success: true, timeStamp: at(5)), scanned],
            nil, .cancelled
        ),
        (
            "voided", [E(operation: .void, amount: 12900, success: true, timeStamp: at(25)), reserve, scanned], nil,
            .voided
        ),
        ("initiate failed", [E(operation: .initiate, amount: 12900, success: false)], nil, .failed),
        (
            "unknown operation ignored",
            [E(operation: .other("FUTURE"), amount: 1, success: true, timeStamp: at(50)), reserve, scanned], nil,
            .reserved(amount: 12900)
        ),
        ("order does not matter", [scanned, reserveFailed], nil, .declinedRetryable),
        (
            "direct capture (SALE)", [E(operation: .sale, amount: 12900, success: true, timeStamp: at(20)), scanned],
            nil, .captured(captured: 12900, remainingToCapture: 0, refunded: 0)
        ),
    ]

    @Test(arguments: cases)
    func statusIsDerivedFromTheLog(name: String, log: [E], summary: TransactionSummary?, expected: PaymentStatus) {
        let details = PaymentDetails(orderId: "kiosk7-test", summary: summary, log: log)
        #expect(details.status == expected, "\(name)")
    }

    @Test func finalStates() {
        #expect(!PaymentStatus.initiated.isFinal)
        #expect(!PaymentStatus.declinedRetryable.isFinal)
        #expect(!PaymentStatus.reserved(amount: 1).isFinal)
        #expect(PaymentStatus.cancelled.isFinal)
        #expect(PaymentStatus.voided.isFinal)
    }

    @Test func detailsDecodingIgnoresUnknownFieldsAndValues() throws {
        let body = #"""
            {"orderId":"kiosk7-1","sub":null,"transactionSummary":{"capturedAmount":0,"remainingAmountToCapture":12900,
            "refundedAmount":0,"remainingAmountToRefund":0,"bankIdentificationNumber":492560,"newField":true},
            "transactionLogHistory":[
             {"amount":12900,"transactionText":"t","transactionId":"5001420062","timeStamp":"2026-11-21T10:00:05.123Z",
              "operation":"RESERVE","requestId":"","operationSuccess":true,"x":[1]},
             {"amount":12900,"transactionText":"t","timeStamp":"2026-11-21T10:00:00Z","operation":"SOMETHING_NEW",
              "operationSuccess":true},
             {"amount":12900,"transactionText":"t","transactionId":"5001420062","timeStamp":"2026-11-21T10:00:00Z",
              "operation":"INITIATE","requestId":"","operationSuccess":true}]}
            """#
        let details = try PaymentDetails.decode(Array(body.utf8))
        #expect(details.log.count == 3)
        #expect(details.log[0].requestId == nil)
        #expect(details.log[0].timeStamp != nil)
        #expect(details.status == .reserved(amount: 12900))
    }
}
