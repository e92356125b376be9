import Foundation

/// How hard the reliability suite pushes. CI runs the short mode; the long soak is started by hand:
///
///     QRPAYD_RELIABILITY=long swift test --filter ReliabilityTests
///
/// `QRPAYD_RELIABILITY_PAYMENTS` overrides the number of payments. `QRPAYD_RELIABILITY_SEED` replays a run exactly (every random choice comes from it); the seed of each run is
/// printed with its figures.
struct ReliabilityMode: Sendable {
    var name: String
    /// Payments in the soak, per settlement mode.
    var soakPayments: Int
    /// Payments in the crash campaign (each may be killed at a random moment).
    var crashPayments: Int
    /// How many times each named crash step is played.
    var stepRounds: Int
    /// Inputs the control-socket fuzzer throws.
    var fuzzInputs: Int
    /// Longest stretch for which Vipps is made unreachable.
    var longestOutage: Duration
    var seed: UInt64

    static let current: ReliabilityMode = {
        var mode = Self.named
        if let payments = ProcessInfo.processInfo.environment["QRPAYD_RELIABILITY_PAYMENTS"].flatMap({ Int($0) }) {
            mode.soakPayments = payments
            mode.crashPayments = payments
        }
        return mode
    }()

    private static var named: ReliabilityMode {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["QRPAYD_RELIABILITY_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...999_999)
        if environment["QRPAYD_RELIABILITY"] == "long" {
            return ReliabilityMode(
                name: "long",
                soakPayments: 1000,
                crashPayments: 300,
                stepRounds: 10,
                fuzzInputs: 20_000,
                longestOutage: .seconds(20),
                seed: seed
            )
        }
        return ReliabilityMode(
            name: "short",
            soakPayments: 100,
            crashPayments: 40,
            stepRounds: 1,
            fuzzInputs: 1500,
            longestOutage: .seconds(3),
            seed: seed
        )
    }
}
