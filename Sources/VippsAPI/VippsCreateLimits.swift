/// What a Vipps API accepts when a payment is created: the one place qrpayd decides whether a till's text, orderId
/// and amount can be sent, so that a payment Vipps would refuse is refused before anything is stored or sent.
///
/// From the specifications (shared/reference/vipps-spec): eCom v2's `TransactionInfoInitiate` (`orderId`
/// `^[a-zA-Z0-9-]{1,50}$`, `transactionText` at most 100, `amount` at least 100) and ePayment v1's
/// `CreatePaymentRequest` (`reference` `^[a-zA-Z0-9-]{8,50}$`, `paymentDescription` 3 to 100, `amount.value` 0 to
/// 65,000,000, and 100 at least for every currency).
public struct VippsCreateLimits: Sendable, Hashable {
    /// Why an input cannot be sent: which field of the till's request, which limit, in words a till developer reads.
    public struct Violation: Error, Sendable, Hashable, CustomStringConvertible {
        /// The till's field: `text`, `reference` or `amount`.
        public var field: String
        /// A stable identifier for the limit: `text-length`, `text-character`, `order-id-length`, `amount-range`.
        public var code: String
        public var title: String
        public var detail: String

        public var description: String { self.detail }
    }

    public var api: VippsAPIKind
    /// The name the text goes out under: `transactionText` (eCom) or `paymentDescription` (ePayment).
    public var textField: String
    /// Characters a text may have. The lower bound counts characters as a reader sees them, the upper bound UTF-16
    /// code units (what a Java or .NET validator counts), so a text within both is within every way of counting.
    public var textLength: ClosedRange<Int>
    /// The name the orderId goes out under: `orderId` (eCom) or `reference` (ePayment).
    public var orderIdField: String
    /// Length of prefix + reference, of `A-Z a-z 0-9 -`.
    public var orderIdLength: ClosedRange<Int>
    /// The largest amount the API takes, in minor units; nil where the specification sets none.
    public var maximumAmount: Int?

    public init(_ api: VippsAPIKind) {
        self.api = api
        switch api {
        case .ecom:
            self.textField = "transactionText"
            // `transactionText` is required: empty is no text.
            self.textLength = 1...100
            self.orderIdField = "orderId"
            // eCom allows 1-50, but ePayment (which can settle eCom's payments) needs 8: qrpayd keeps to both.
            self.orderIdLength = 8...50
            self.maximumAmount = nil
        case .epayment:
            self.textField = "paymentDescription"
            self.textLength = 3...100
            self.orderIdField = "reference"
            self.orderIdLength = 8...50
            self.maximumAmount = 65_000_000
        }
    }

    /// The characters refused anywhere in a text: control characters (Cc), format characters (Cf: bidirectional
    /// overrides and isolates, zero-width spaces and joiners, the soft hyphen) and line and paragraph separators (Zl,
    /// Zp). The customer's phone would show them, or let them reorder or hide what the customer reads.
    public static func isRefusedInText(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }

    /// Checks a payment text.
    ///
    /// - Parameter field: The till's (or configuration's) name for the text, for the message.
    public func checkText(_ text: String, field: String = "text") throws(Violation) {
        if let index = text.unicodeScalars.firstIndex(where: Self.isRefusedInText) {
            let scalar = text.unicodeScalars[index]
            let position = text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: index) + 1
            throw Violation(
                field: field,
                code: "text-character",
                title: "Invalid character in text",
                detail:
                    "\(field) has \(Self.describe(scalar)) at character \(position); control characters, format "
                    + "characters (bidirectional overrides, zero-width characters) and line or paragraph separators "
                    + "are not allowed."
            )
        }
        let shown = text.count
        let counted = text.utf16.count
        guard shown >= self.textLength.lowerBound, counted <= self.textLength.upperBound else {
            let long = counted > self.textLength.upperBound
            let size =
                long && counted != shown ? "\(counted) UTF-16 code units (\(shown) characters)" : "\(shown) characters"
            throw Violation(
                field: field,
                code: "text-length",
                title: long ? "Text too long" : "Text too short",
                detail:
                    "\(field) must be \(self.textLength.lowerBound)-\(self.textLength.upperBound) characters for "
                    + "\(self.apiName) (it is sent as \(self.textField)); got \(size)."
                    + (long && counted != shown ? " Characters outside the Basic Multilingual Plane count twice." : "")
            )
        }
    }

    /// Checks the orderId the payment would go out with: `prefix` (the configured or derived prefix) + `reference`.
    public func checkOrderId(prefix: String, reference: String) throws(Violation) {
        let orderId = prefix + reference
        let valid = orderId.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")
        }
        guard valid, self.orderIdLength.contains(orderId.unicodeScalars.count) else {
            let count = orderId.unicodeScalars.count
            let advice =
                !valid ? "" : "; use a \(count < self.orderIdLength.lowerBound ? "longer" : "shorter") reference"
            throw Violation(
                field: "reference",
                code: "order-id-length",
                title: "Invalid reference",
                detail:
                    "The \(self.apiName) \(self.orderIdField) '\(orderId)' (prefix '\(prefix)' + reference) must be "
                    + "\(self.orderIdLength.lowerBound)-\(self.orderIdLength.upperBound) characters of A-Z, a-z, 0-9 "
                    + "and '-'; it is \(count)\(advice)."
            )
        }
    }

    /// Checks an amount against the API's own limits (the configured minimum and maximum are the engine's).
    public func checkAmount(_ amount: Int, currency: VippsCurrency) throws(Violation) {
        let minimum = currency.minimumAmount
        guard amount >= minimum, self.maximumAmount.map({ amount <= $0 }) ?? true else {
            let range = self.maximumAmount.map { "\(minimum)-\($0)" } ?? "at least \(minimum)"
            throw Violation(
                field: "amount",
                code: "amount-range",
                title: "Amount outside what Vipps accepts",
                detail:
                    "amount must be \(range) (minor units of \(currency.rawValue)) for \(self.apiName); got \(amount)."
            )
        }
    }

    private var apiName: String {
        switch self.api {
        case .ecom: "the eCom API"
        case .epayment: "the ePayment API"
        }
    }

    /// `U+202E (RIGHT-TO-LEFT OVERRIDE)`.
    static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        guard let name = scalar.properties.name ?? scalar.properties.nameAlias else { return code }
        return "\(code) (\(name))"
    }
}
