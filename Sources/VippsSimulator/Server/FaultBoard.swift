import Synchronization

/// The faults in force, shared between the request middleware and the connection handler. A `Mutex`
/// rather than an actor because the NIO handler must decide synchronously, on its event loop.
final class FaultBoard: Sendable {
    /// What to do to one request.
    struct Decision: Sendable {
        var status: (code: Int, bodyShape: SimulatorFault.BodyShape?, retryAfter: Int?)?
        var error: (status: Int, group: String?, code: String?, message: String)?
        var drop: SimulatorFault.DropPhase?
        var latency: Duration?
    }

    private struct ActiveFault: Sendable {
        var fault: SimulatorFault
        /// `nil` until cleared.
        var remaining: Int?
    }

    private struct State: Sendable {
        var faults: [ActiveFault] = []
        var unreachableUntil: ContinuousClock.Instant?
    }

    private let state = Mutex(State())

    func add(_ fault: SimulatorFault) {
        self.state.withLock { state in
            switch fault.action {
            case .unreachable(let duration):
                state.unreachableUntil = ContinuousClock.now.advanced(by: duration)
            case .expireTokens:
                break
            case .status, .latency, .drop, .vippsError:
                state.faults.append(ActiveFault(fault: fault, remaining: fault.count))
            }
        }
    }

    func clear() {
        self.state.withLock { $0 = State() }
    }

    var isUnreachable: Bool {
        self.state.withLock { state in
            guard let until = state.unreachableUntil else { return false }
            return ContinuousClock.now < until
        }
    }

    /// Picks the faults that apply to this request and uses up one of each one's count. An injected status
    /// answers instead of the simulator, so it excludes the others.
    func decide(method: String, path: String) -> Decision {
        self.state.withLock { state in
            var decision = Decision()
            func take(_ isKind: (SimulatorFault.Action) -> Bool) -> SimulatorFault.Action? {
                guard
                    let index = state.faults.firstIndex(where: {
                        isKind($0.fault.action) && $0.fault.matches(method: method, path: path)
                    })
                else { return nil }
                let action = state.faults[index].fault.action
                if let remaining = state.faults[index].remaining {
                    if remaining <= 1 {
                        state.faults.remove(at: index)
                    } else {
                        state.faults[index].remaining = remaining - 1
                    }
                }
                return action
            }
            if case .vippsError(let status, let group, let code, let message) = take({
                if case .vippsError = $0 { true } else { false }
            }) {
                decision.error = (status, group, code, message)
                return decision
            }
            if case .status(let code, let shape, let retryAfter) = take({ if case .status = $0 { true } else { false } }
            ) {
                decision.status = (code, shape, retryAfter)
                return decision
            }
            if case .drop(let phase) = take({ if case .drop = $0 { true } else { false } }) {
                decision.drop = phase
            }
            if case .latency(let delay) = take({ if case .latency = $0 { true } else { false } }) {
                decision.latency = delay
            }
            return decision
        }
    }
}
