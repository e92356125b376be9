/// The kinds of journal entries qrpayd writes, each with a `MESSAGE_ID` that the journal catalog
/// (`systemd/qrpayd.catalog`) explains, so `journalctl -x -u qrpayd` tells the operator what happened and what to do.
public enum JournalEvent: String, Sendable, CaseIterable {
    case paymentCreated = "2f38fcf5f6f447608549f047ad74ac55"
    case paymentScanned = "4709f92eb8f846c1b29bf12f2f4c4477"
    case paymentAuthorized = "4dc68d39a95146b5a0eed2442975cd41"
    case paymentCaptured = "bad06c544a484a06ab6b82d1d9e601f4"
    case paymentRefunded = "40c50682a1ba49d3b1fe6844463535f1"
    case paymentCancelled = "ab290e8b52a144eeba116e1321950475"
    case paymentVoided = "1844a9afbe2c4b36a15ca50e3cb8d03f"
    case paymentRejected = "b026978e9d89449f8e67b4b797f9e017"
    case paymentExpired = "cc04cbefdba149688e62b6f934a75a86"
    case paymentFailed = "08eed685fc3d4ff7a7cc1e2c9590e293"
    case cardDeclined = "a7cb73895404484fabef08664ad90e2b"
    case cancelRacedApproval = "e75d6e5244664e2297cc0eeca618174e"
    case credentialsRejected = "effe6648ba5f41d08a4485028dfa63f2"
    case rateLimited = "2f67ec279f8d4a00bf782352a580e286"
    case vippsUnreachable = "eb87594c80e743b5bc11c7624db050ea"
    case vippsReachableAgain = "b1c21015929a47a19384c444b5ab35e8"
    case vippsRejectedRequest = "fc9a0ef8dc144b8fa44e3c3dfc188ec1"
    case recoveryFoundOpenPayment = "ea9183df86a347e38a77cc326b8c975c"
    case recoveryFinished = "939e0570b28345ebaef34a822eb8c714"
    case moneyOutcomeUnknown = "325c10ad53c24595ba2295455967fa6b"
    case tillRequest = "018f1cba63f2401db76d2cec83b51929"
    case daemonStarted = "9442d1e3ce5e4dc9998be529c7ca0967"
    case daemonStopping = "ca5b3f646458407caea6967087f85c7d"
    case storeRefused = "c6feb086a68d46d48dee0907d7b2bca4"
    case storeWritableAgain = "eb3d6bb4bc994646a7eec765b4232a40"
    case paymentsPruned = "be74b852e4e54a08b3ef113551abfd31"
    case listenerUnavailable = "5f9521714b8f40b4ac68794d74b87bfa"
    case listenerListening = "57afce3db88a485c9d6dcd7e2565fcf1"

    /// The `MESSAGE_ID` (32 lower-case hex digits).
    public var messageID: String { self.rawValue }
}
