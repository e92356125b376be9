/// Bodies for an injected status, in the shape a gateway or the API itself would send.
enum InjectedAnswers {
    static func answer(status: Int, shape: SimulatorFault.BodyShape?, retryAfter: Int?) -> VippsAnswer {
        let tooMany = status == 429
        let message =
            tooMany
            ? "Rate limit is exceeded. Try again in \(retryAfter ?? 1) seconds."
            : "Something went wrong, please try again later."
        let body: VippsAnswer.Body
        switch shape ?? (tooMany ? .azure : .ecom) {
        case .ecom:
            let error = ErrorBodies.EcomError(
                group: "VippsError",
                code: tooMany ? "98" : "99",
                message: tooMany ? "Too many concurrent requests" : "Internal error"
            )
            body = .json(ErrorBodies.ecom([error]), contentType: "application/json;charset=UTF-8")
        case .azure:
            body = .json(ErrorBodies.gateway(status: status, message: message), contentType: "application/json")
        case .responseInfo:
            body = .json(ErrorBodies.responseInfo(status: status, message: message), contentType: "application/json")
        case .empty:
            body = .empty
        }
        return VippsAnswer(status: status, body: body, retryAfter: tooMany ? (retryAfter ?? 1) : retryAfter)
    }
}
