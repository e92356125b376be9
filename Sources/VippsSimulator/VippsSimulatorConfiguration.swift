/// How the simulated Vipps behaves: which credentials it accepts, how long payments live, and which of the
/// real API's undocumented or quirky behaviours it shows.
public struct VippsSimulatorConfiguration: Sendable {
    /// Vipps' test environment ("MT", `apitest.vipps.no`) or production (`api.vipps.no`).
    public enum Environment: String, Sendable, CaseIterable {
        case test
        case production
    }

    /// A merchant's sales unit and the API keys issued for it.
    public struct SalesUnit: Sendable, Hashable {
        public var msn: String
        public var clientID: String
        public var clientSecret: String
        public var subscriptionKey: String
        /// Approved for Vipps Login only: payment calls get 403 "Merchant Not Allowed for Ecommerce Payment".
        public var loginOnly: Bool
        /// Deactivated or blocked: payment calls get `Merchant 37`.
        public var deactivated: Bool

        public init(
            msn: String,
            clientID: String,
            clientSecret: String,
            subscriptionKey: String,
            loginOnly: Bool = false,
            deactivated: Bool = false
        ) {
            self.msn = msn
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.subscriptionKey = subscriptionKey
            self.loginOnly = loginOnly
            self.deactivated = deactivated
        }
    }

    /// Partner keys: one credential acting for several sales units, chosen per call with `Merchant-Serial-Number`.
    public struct PartnerCredential: Sendable, Hashable {
        public var clientID: String
        public var clientSecret: String
        public var subscriptionKey: String
        public var connectedMSNs: Set<String>

        public init(clientID: String, clientSecret: String, subscriptionKey: String, connectedMSNs: Set<String>) {
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.subscriptionKey = subscriptionKey
            self.connectedMSNs = connectedMSNs
        }
    }

    /// The QR API's answer to `Accept: text/targetUrl` is undocumented, so both plausible shapes exist.
    public enum QRAnswerShape: String, Sendable, CaseIterable {
        /// `{"url": "<target>", "expiresIn": <seconds>}` as `application/json`.
        case json
        /// The bare target URL as `text/plain`.
        case plainText
    }

    /// What `/details` shows once a payment has timed out.
    public enum ExpiryShape: String, Sendable, CaseIterable {
        /// A successful `CANCEL` entry is added.
        case cancelEntry
        /// Nothing is added; the log stays at `INITIATE` (seen when the customer leaves the landing page).
        case initiateOnly
    }

    /// A pretend customer for demo mode, acting in real time after each initiation.
    public struct AutoCustomer: Sendable, Hashable {
        /// What the pretend customer does with a payment.
        public enum Behaviour: Int, Sendable, Hashable, CaseIterable {
            /// Opens the payment, then approves it.
            case approve = 0
            /// Opens the payment, then declines it in the app.
            case decline = 1
            /// Opens it; the first card is refused; pays with another card.
            case cardRefusedThenApprove = 2
            /// Opens it; the card is refused; gives up.
            case cardRefused = 3
            /// Never opens it: the payment expires (the simulator's clock jumps Vipps' 5 minutes ahead).
            case walkAway = 4
            /// Opens it and does nothing more, so the till can cancel a scanned payment.
            case openAndWait = 5
            /// Opens it; Vipps becomes unreachable for 12 s (the screen says so), and the approval made meanwhile shows
            /// once Vipps is back.
            case vippsUnreachable = 6

            /// The behaviour chosen by the øre of `amount` (`amount % 100`) when the customer acts by amount; any
            /// øre without a meaning approves.
            public static func forAmount(_ amount: Int) -> Behaviour {
                Behaviour(rawValue: amount % 100) ?? .approve
            }

            /// What the customer does, for the demo's banner and help.
            public var summary: String {
                switch self {
                case .approve: "approves"
                case .decline: "declines"
                case .cardRefusedThenApprove: "card refused, pays with another card"
                case .cardRefused: "card refused, gives up"
                case .walkAway: "walks away (expires)"
                case .openAndWait: "scans and waits (for the till to cancel)"
                case .vippsUnreachable: "approves while Vipps is unreachable for 12 s"
                }
            }
        }

        /// Real time from initiation to opening.
        public var openAfter: Duration
        /// Real time from initiation to approval (or the customer's other decision).
        public var approveAfter: Duration
        /// Whether the øre of the amount choose the customer's behaviour (``Behaviour/forAmount(_:)``); otherwise
        /// every payment is approved.
        public var actsByAmount: Bool

        public init(openAfter: Duration = .seconds(2), approveAfter: Duration = .seconds(4), actsByAmount: Bool = false)
        {
            self.openAfter = openAfter
            self.approveAfter = approveAfter
            self.actsByAmount = actsByAmount
        }
    }

    public var environment: Environment
    public var salesUnits: [SalesUnit]
    public var partnerCredentials: [PartnerCredential]
    /// Keys that exist, but for the other environment: they get the same 401 as unknown keys.
    public var otherEnvironmentSubscriptionKeys: Set<String>
    /// Numbers in the right format that still get `User 81` (not a Vipps user).
    public var unknownMobileNumbers: Set<String>
    /// Numbers of users under 15, who cannot pay businesses: also `User 81`.
    public var underageMobileNumbers: Set<String>
    /// How long the customer has to open a payment after initiation.
    public var openTimeout: Duration
    /// How long the customer has to finish after opening.
    public var approveTimeout: Duration
    /// Access token lifetime; `nil` means Vipps' own: one hour in test, a day in production.
    public var tokenLifetime: Duration?
    public var qrAnswer: QRAnswerShape
    public var expiryShape: ExpiryShape
    public var enforceRateLimits: Bool
    /// Add fields the documentation does not mention, so clients prove they ignore them.
    public var addUnknownFields: Bool
    public var autoCustomer: AutoCustomer?

    public init(
        environment: Environment = .test,
        salesUnits: [SalesUnit] = [Self.demoSalesUnit],
        partnerCredentials: [PartnerCredential] = [],
        otherEnvironmentSubscriptionKeys: Set<String> = [],
        unknownMobileNumbers: Set<String> = [],
        underageMobileNumbers: Set<String> = [],
        openTimeout: Duration = .seconds(300),
        approveTimeout: Duration = .seconds(300),
        tokenLifetime: Duration? = nil,
        qrAnswer: QRAnswerShape = .json,
        expiryShape: ExpiryShape = .cancelEntry,
        enforceRateLimits: Bool = true,
        addUnknownFields: Bool = true,
        autoCustomer: AutoCustomer? = nil
    ) {
        self.environment = environment
        self.salesUnits = salesUnits
        self.partnerCredentials = partnerCredentials
        self.otherEnvironmentSubscriptionKeys = otherEnvironmentSubscriptionKeys
        self.unknownMobileNumbers = unknownMobileNumbers
        self.underageMobileNumbers = underageMobileNumbers
        self.openTimeout = openTimeout
        self.approveTimeout = approveTimeout
        self.tokenLifetime = tokenLifetime
        self.qrAnswer = qrAnswer
        self.expiryShape = expiryShape
        self.enforceRateLimits = enforceRateLimits
        self.addUnknownFields = addUnknownFields
        self.autoCustomer = autoCustomer
    }

    /// The public demo sales unit. Its secret is not a secret: it only opens this simulator.
    public static let demoSalesUnit = SalesUnit(
        msn: "123456",
        clientID: "sim-client-id",
        clientSecret: "sim-client-secret",
        subscriptionKey: "sim-subscription-key"
    )

    /// Test environment, one demo sales unit, every default.
    public static var demo: VippsSimulatorConfiguration { VippsSimulatorConfiguration() }

    var effectiveTokenLifetime: Duration {
        self.tokenLifetime ?? (self.environment == .test ? .seconds(3600) : .seconds(86400))
    }

    /// The host in initiate URLs: what the client would see from the real environment.
    var apiHost: String {
        self.environment == .test ? "apitest.vipps.no" : "api.vipps.no"
    }
}

extension Duration {
    var timeInterval: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
