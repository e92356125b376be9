public import Foundation

/// What the customer screen shows right now.
///
/// The daemon builds one of these for every payment change and hands it to ``DisplayFeed``; the kiosk page
/// receives it as JSON over server-sent events. Every field is safe to put in front of a customer: it carries
/// a category (``Reason``) rather than a Vipps error code, and the page decides the wording.
public struct DisplayScreen: Sendable, Codable, Equatable {
    /// Which screen the page draws.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case idle
        case qr
        case scanned
        case paid
        case declined
        case cancelled
        case expired
        case failed
        case connectionProblem = "connection-problem"

        /// Screens that report how a payment ended. The page keeps them up for
        /// ``DisplaySettings/paidScreenDuration`` and then falls back to idle.
        public var isOutcome: Bool {
            switch self {
            case .paid, .declined, .cancelled, .expired, .failed: true
            case .idle, .qr, .scanned, .connectionProblem: false
            }
        }
    }

    /// A customer-safe category for why a payment did not go through; the page turns it into words.
    public enum Reason: String, Sendable, Codable, CaseIterable {
        case cardDeclined
        case customerDeclined
        case timedOut
        case cancelledByShop
        case vippsUnavailable
        case technicalError
    }

    public var kind: Kind
    /// The till's reference for the payment; used to fetch the QR image, never shown.
    public var reference: String?
    /// Minor units (øre for NOK).
    public var amount: Int?
    public var currency: String
    /// The transaction text the till sent, already customer-safe (for example "Kaffe og bolle").
    public var text: String?
    /// Changing it makes the page fetch the QR image again.
    public var qrVersion: Int?
    /// Drives the countdown on the QR and scanned screens.
    public var expiresAt: Date?
    public var reason: Reason?
    /// Set by ``DisplayFeed``; grows with every change and is the SSE event id.
    public var sequence: Int
    /// Set by ``DisplayFeed`` when the screen became current. The page measures how long an outcome has been
    /// up from this, so a page that connects late does not show an old "paid" for the full duration again.
    public var shownAt: Date?

    public init(
        kind: Kind,
        reference: String? = nil,
        amount: Int? = nil,
        currency: String = "NOK",
        text: String? = nil,
        qrVersion: Int? = nil,
        expiresAt: Date? = nil,
        reason: Reason? = nil
    ) {
        self.kind = kind
        self.reference = reference
        self.amount = amount
        self.currency = currency
        self.text = text
        self.qrVersion = qrVersion
        self.expiresAt = expiresAt
        self.reason = reason
        self.sequence = 0
        self.shownAt = nil
    }

    /// The screen between payments.
    public static var idle: DisplayScreen { DisplayScreen(kind: .idle) }

    /// Whether two screens would look the same, ignoring the bookkeeping the feed adds.
    func hasSameContent(as other: DisplayScreen) -> Bool {
        var lhs = self
        var rhs = other
        lhs.sequence = 0
        lhs.shownAt = nil
        rhs.sequence = 0
        rhs.shownAt = nil
        return lhs == rhs
    }
}
