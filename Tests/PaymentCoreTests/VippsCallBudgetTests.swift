import TestSupport
import Testing

@testable import PaymentCore

/// The per-orderId budget, with instants given (no clock, no I/O): what arrives at Vipps, whose minute starts when a
/// call arrives, never exceeds a limit, however long each call spent crossing the network.
@Suite struct VippsCallBudgetTests {
    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant {
        self.start.advanced(by: .milliseconds(Int64(seconds * 1000)))
    }

    @Test func theSixthCaptureWaitsForVippsMinutePlusTheMargin() {
        var budget = VippsCallBudget(margin: .seconds(10))
        for second in 0..<5 {
            #expect(budget.admit(.capture, orderId: "o-1", at: self.at(Double(second))) == nil)
        }
        // A minute after the first left, it may still be on its way: not yet.
        #expect(budget.admit(.capture, orderId: "o-1", at: self.at(61)) == self.at(70))
        #expect(budget.earliest(.capture, orderId: "o-1", at: self.at(61)) == self.at(70))
        #expect(budget.admit(.capture, orderId: "o-1", at: self.at(70)) == nil)
        // Other calls and other orderIds have budgets of their own.
        #expect(budget.admit(.refund, orderId: "o-1", at: self.at(61)) == nil)
        #expect(budget.admit(.capture, orderId: "o-2", at: self.at(61)) == nil)
    }

    @Test func withoutAMarginVippsMinuteAloneIsCounted() {
        var budget = VippsCallBudget(margin: .zero)
        for second in 0..<5 {
            #expect(budget.admit(.capture, orderId: "o-1", at: self.at(Double(second))) == nil)
        }
        #expect(budget.admit(.capture, orderId: "o-1", at: self.at(60)) == nil)
    }

    /// Calls asked for at random moments, each admitted one crossing the network in anything from no time to the
    /// margin: in no minute at Vipps do more arrive than its limit. With Vipps' minute alone (no margin) the same
    /// schedules break the limit, which is what an independent check saw at Vipps' end.
    @Test(arguments: [VippsCallBudget.Call.capture, .refund, .cancel, .initiate, .details])
    func whatArrivesAtVippsStaysWithinTheLimit(call: VippsCallBudget.Call) {
        let margin = 10.0
        var brokenWithoutMargin = 0
        for seed in UInt64(1)...60 {
            for withMargin in [true, false] {
                var random = SeededRandom(seed: seed)
                var budget = VippsCallBudget(margin: withMargin ? .seconds(10) : .zero)
                var arrivals: [Double] = []
                var now = 0.0
                while now < 300 {
                    // Asked for about twice as often as the limit allows, as a poll loop retrying failures would.
                    now += Double(random.next() % UInt64(60_000 / call.limitPerMinute)) / 1000
                    if budget.admit(call, orderId: "o", at: self.at(now)) == nil {
                        // The first calls are slow to arrive and later ones fast: the worst case for Vipps' count.
                        let slow = arrivals.count < call.limitPerMinute
                        let delay = slow ? margin : Double(random.next() % 1_000) / 1000
                        arrivals.append(now + delay)
                    }
                }
                arrivals.sort()
                let worst =
                    arrivals.indices.map { first in
                        arrivals[first...].prefix { $0 - arrivals[first] < 60 }.count
                    }.max() ?? 0
                if withMargin {
                    #expect(worst <= call.limitPerMinute, "seed \(seed): \(worst) \(call) calls in one minute at Vipps")
                } else if worst > call.limitPerMinute {
                    brokenWithoutMargin += 1
                }
            }
        }
        #expect(brokenWithoutMargin > 0, "the schedules should break Vipps' limit when only its minute is counted")
    }
}
