import Foundation
public import QRRendering
public import VippsAPI

/// How the payment engine behaves; validated by the daemon's configuration before it gets here.
public struct EngineConfiguration: Sendable {
    /// What goes into the QR code.
    public enum QRMode: String, Sendable, Hashable, CaseIterable {
        /// The QR API's one-time target URL (`https://qr.vipps.no/...`): the only kind the Vipps app's own scanner reads.
        case qrAPI = "qr-api"
        /// The eCom landing-page URL itself: opens through the phone's camera app; for sales units without the QR API.
        case paymentURL = "payment-url"
    }

    /// Limits on refunds from the till, for boxes where the till should rarely or never send money back.
    public struct RefundPolicy: Sendable, Hashable {
        public var enabled: Bool
        /// Øre per refund, if capped.
        public var maximumPerRefund: Int?
        /// Øre per calendar day, counted in the box's local time zone (`/etc/localtime`, or `TZ`), if capped.
        public var maximumPerDay: Int?
        /// Groups whose members may refund (besides root). A till user that is only in `qrpay` may not.
        public var allowedGroups: [String]

        public init(
            enabled: Bool = true,
            maximumPerRefund: Int? = nil,
            maximumPerDay: Int? = nil,
            allowedGroups: [String] = ["qrpay-refund"]
        ) {
            self.enabled = enabled
            self.maximumPerRefund = maximumPerRefund
            self.maximumPerDay = maximumPerDay
            self.allowedGroups = allowedGroups
        }
    }

    public var orderIdPrefix: String
    /// A digest of this box's `/etc/machine-id` (``BoxIdentity``), mixed into the keys sent to Vipps so two boxes of
    /// one sales unit never send the same key, even for the same orderId; nil when the machine id cannot be read.
    public var boxIdentity: String?
    /// How long a final, settled payment is kept after its last change (`state.retention`, 400 days by default).
    public var retention: Duration
    /// The API new payments are created with (`vipps.api`); each payment remembers its own.
    public var api: VippsAPIKind
    /// The currency of new payments (`payment.currency`); amounts are in its minor units.
    public var currency: VippsCurrency
    public var settlement: Settlement
    public var qrMode: QRMode
    public var qrOptions: QRRenderOptions
    /// How often an open payment is read back from Vipps (Vipps allows 120 a minute per payment).
    public var pollInterval: Duration
    /// The smallest amount a till may ask for, in øre: Vipps' minimum (100), or more for a shop whose smallest sale
    /// is larger, so that kroner sent as øre are refused.
    public var minimumAmount: Int
    /// The largest amount a till may ask for, in øre: a guard against kroner sent as øre.
    public var maximumAmount: Int
    /// The text shown in the customer's app when the till sends none.
    public var defaultText: String
    public var fallBackURL: String
    public var callbackPrefix: String
    public var refunds: RefundPolicy
    /// How long Vipps keeps a payment open: 5 minutes to open it and 5 more to approve.
    public var paymentLifetime: Duration
    /// Extra time before qrpayd gives up on a payment itself, so it never calls a payment expired before Vipps does.
    public var expiryMargin: Duration
    /// How long the till's POST waits for Vipps to create the payment before it is answered `failed`.
    public var creationTimeout: Duration
    /// The longest pause between polls while Vipps is failing.
    public var maximumBackoff: Duration
    /// How much later one call can reach Vipps than another sent after it (the request timeout): the per-orderId
    /// limits are counted over Vipps' minute plus this, so what arrives at Vipps stays within them.
    public var callBudgetMargin: Duration

    public init(
        orderIdPrefix: String,
        api: VippsAPIKind = .ecom,
        currency: VippsCurrency = .nok,
        settlement: Settlement = .auto,
        qrMode: QRMode = .qrAPI,
        qrOptions: QRRenderOptions = QRRenderOptions(size: .moduleSize(10)),
        pollInterval: Duration = .seconds(1),
        minimumAmount: Int = 100,
        maximumAmount: Int = 1_000_000,
        defaultText: String = "Betaling",
        fallBackURL: String = "https://www.vipps.no/thankyoupage/",
        callbackPrefix: String = "https://example.com/qrpayd-uses-polling",
        refunds: RefundPolicy = RefundPolicy(),
        paymentLifetime: Duration = .seconds(600),
        expiryMargin: Duration = .seconds(30),
        creationTimeout: Duration = .seconds(20),
        maximumBackoff: Duration = .seconds(10),
        callBudgetMargin: Duration = .seconds(10),
        boxIdentity: String? = nil,
        retention: Duration = EngineConfiguration.defaultRetention
    ) {
        self.orderIdPrefix = orderIdPrefix
        self.boxIdentity = boxIdentity
        self.retention = retention
        self.api = api
        self.currency = currency
        self.settlement = settlement
        self.qrMode = qrMode
        self.qrOptions = qrOptions
        self.pollInterval = pollInterval
        self.minimumAmount = minimumAmount
        self.maximumAmount = maximumAmount
        self.defaultText = defaultText
        self.fallBackURL = fallBackURL
        self.callbackPrefix = callbackPrefix
        self.refunds = refunds
        self.paymentLifetime = paymentLifetime
        self.expiryMargin = expiryMargin
        self.creationTimeout = creationTimeout
        self.maximumBackoff = maximumBackoff
        self.callBudgetMargin = callBudgetMargin
    }
}

/// Who asked: the till process on the other end of the control socket, as the kernel recorded it when the till
/// connected (`SO_PEERCRED` for uid, gid and pid, `SO_PEERGROUPS` for the supplementary groups). The journal, the
/// payment and each money operation record the uid and pid; refunds are allowed by uid and groups.
public struct Caller: Sendable, Hashable, CustomStringConvertible {
    public var uid: UInt32?
    /// The primary group.
    public var gid: UInt32?
    public var pid: Int32?
    /// The supplementary groups; nil when the kernel could not tell (then only uid and primary group count).
    public var groups: [UInt32]?

    public init(uid: UInt32? = nil, gid: UInt32? = nil, pid: Int32? = nil, groups: [UInt32]? = nil) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.groups = groups
    }

    public static let daemon = Caller()

    public var description: String {
        guard let uid, let pid else { return "qrpayd" }
        return "uid \(uid) pid \(pid)"
    }
}

extension EngineConfiguration {
    /// 400 days: a shop's books for a year are closed and checked well within it, and Vipps refunds (possible for
    /// 365 days) are over.
    public static let defaultRetention = Duration.seconds(400 * 86_400)
}

/// Derives `X-Request-Id`s and ePayment's create `Idempotency-Key`: the same for every attempt at the same operation,
/// at most 40 characters, and different for each operation, each payment and each box (`box`, ``BoxIdentity``), so
/// two boxes of one sales unit never send the same key even for the same orderId. A key already stored with an
/// intent is reused as stored (``PaymentStore/beginIntent(reference:operation:sequence:requestId:amount:at:)``), so a
/// payment in flight across an upgrade keeps the key it was created with.
enum RequestID {
    static func make(orderId: String, operation: PaymentIntent.Operation, sequence: Int, box: String?) -> String {
        let digest = String(StableHash.fnv1a(box.map { "\($0)/\(orderId)" } ?? orderId), radix: 16)
        return "\(operation.rawValue)-\(sequence)-\(String(repeating: "0", count: 16 - digest.count))\(digest)"
    }
}

/// This box's identity for the keys sent to Vipps: 16 hex digits of a digest of `/etc/machine-id`, so the machine id
/// itself is never sent.
public enum BoxIdentity {
    /// Nil when the machine id cannot be read.
    public static func derive(machineIDPath: String = "/etc/machine-id") -> String? {
        guard let contents = FileManager.default.contents(atPath: machineIDPath) else { return nil }
        let machineID = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !machineID.isEmpty else { return nil }
        let digits = String(StableHash.fnv1a("qrpayd-box:" + machineID), radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// The default orderId prefix, unique to the box: `qp`, six hex digits of a digest of `/etc/machine-id`, and `-`.
/// Two boxes on one sales unit then never send the same orderId, whatever references their tills choose.
public enum BoxPrefix {
    /// Nil when the machine id cannot be read (then the operator must choose a prefix).
    public static func derive(machineIDPath: String = "/etc/machine-id") -> String? {
        guard let contents = FileManager.default.contents(atPath: machineIDPath) else { return nil }
        let machineID = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !machineID.isEmpty else { return nil }
        let digits = String(StableHash.fnv1a(machineID) & 0xff_ffff, radix: 16)
        return "qp" + String(repeating: "0", count: 6 - digits.count) + digits + "-"
    }
}

/// A hash that is the same on every start and every platform, unlike `Hasher`: FNV-1a over UTF-8.
enum StableHash {
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
