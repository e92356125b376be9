import JSONValues

/// Why a fault posted to `/_sim/faults` could not be understood.
struct FaultDescriptionError: Error, Sendable {
    var message: String
}

extension SimulatorFault {
    /// Reads the control surface's description:
    /// `{"kind": "status"|"latency"|"drop"|"unreachable"|"expire-tokens", "status"?, "bodyShape"?, "retryAfter"?,
    /// "milliseconds"?, "seconds"?, "count"?, "method"?, "pathPrefix"?, "phase"?: "before"|"after"}`.
    init(json: JSONValue?) throws(FaultDescriptionError) {
        guard let json, let kind = json["kind"]?.stringValue else {
            throw FaultDescriptionError(message: "A fault needs a \"kind\"")
        }
        let count = json["count"]?.integerValue
        let method = json["method"]?.stringValue
        let pathPrefix = json["pathPrefix"]?.stringValue
        switch kind {
        case "status":
            guard let status = json["status"]?.integerValue, (100...599).contains(status) else {
                throw FaultDescriptionError(message: "A status fault needs \"status\" (100–599)")
            }
            var shape: BodyShape?
            if let name = json["bodyShape"]?.stringValue {
                guard let known = BodyShape(rawValue: name) else {
                    throw FaultDescriptionError(message: "bodyShape is one of ecom, azure, responseInfo, empty")
                }
                shape = known
            }
            self = .status(
                status,
                bodyShape: shape,
                retryAfter: json["retryAfter"]?.integerValue,
                count: count ?? 1,
                method: method,
                pathPrefix: pathPrefix
            )
        case "latency":
            guard let milliseconds = json["milliseconds"]?.integerValue, milliseconds >= 0 else {
                throw FaultDescriptionError(message: "A latency fault needs \"milliseconds\"")
            }
            self = .latency(.milliseconds(milliseconds), count: count, method: method, pathPrefix: pathPrefix)
        case "drop":
            var phase = DropPhase.beforeApplying
            if let name = json["phase"]?.stringValue {
                guard let known = DropPhase(rawValue: name) else {
                    throw FaultDescriptionError(message: "phase is \"before\" or \"after\"")
                }
                phase = known
            }
            self = .drop(phase, count: count ?? 1, method: method, pathPrefix: pathPrefix)
        case "unreachable":
            guard let seconds = json["seconds"]?.secondsValue, seconds >= 0 else {
                throw FaultDescriptionError(message: "An unreachable fault needs \"seconds\"")
            }
            self = .unreachable(for: .milliseconds(Int64(seconds * 1000)))
        case "expire-tokens":
            self = .expireTokens
        default:
            throw FaultDescriptionError(message: "Unknown fault kind \(kind)")
        }
    }
}
