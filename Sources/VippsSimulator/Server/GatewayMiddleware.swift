import Hummingbird
import JSONValues
import Logging
import NIOCore

/// Plays the gateway in front of the simulated APIs: applies injected faults, then records and logs every
/// request. Control requests under `/_sim/` pass straight through and are not recorded.
struct GatewayMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext

    let engine: SimulatorEngine
    let faults: FaultBoard
    let heldAnswers: HeldAnswers
    let logger: Logger

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard !path.hasPrefix("/_sim/") else { return try await next(request, context) }
        var facts = SimulatorEngine.RequestFacts(
            method: request.method.rawValue,
            path: path,
            headers: VippsRequest.headers(of: request)
        )
        let decision = self.faults.decide(method: facts.method, path: path)

        if let error = decision.error {
            let body: JSONValue
            if path.hasPrefix("/epayment/") {
                // The ePayment API answers problem+json: the fault's message is the problem's title.
                body = ErrorBodies.epaymentProblem(
                    status: error.status,
                    title: error.message,
                    detail: error.code ?? "Injected by the simulator."
                )
                facts.status = error.status
                facts.fault = "vipps-error"
                await self.record(facts)
                return Response(VippsAnswer.problem(error.status, body))
            } else if error.group != nil || error.code != nil {
                body = ErrorBodies.ecom([
                    ErrorBodies.EcomError(
                        group: error.group ?? "VippsError",
                        code: error.code ?? "99",
                        message: error.message
                    )
                ])
            } else {
                body = ErrorBodies.gateway(status: error.status, message: error.message)
            }
            facts.status = error.status
            facts.fault = "vipps-error"
            await self.record(facts)
            return Response(
                VippsAnswer(status: error.status, body: .json(body, contentType: "application/json"), retryAfter: nil)
            )
        }
        if let status = decision.status {
            let answer = InjectedAnswers.answer(
                status: status.code,
                shape: status.bodyShape,
                retryAfter: status.retryAfter
            )
            facts.status = answer.status
            facts.fault = "status"
            await self.record(facts)
            return Response(answer)
        }
        if decision.drop == .beforeApplying {
            facts.fault = "drop"
            await self.record(facts)
            return try await self.dropConnection(context)
        }

        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            self.logger.error("Request failed", metadata: ["error": "\(error)"])
            response = Response(status: .internalServerError)
        }
        facts.orderId = context.observation.orderId
        if decision.drop == .afterApplying {
            facts.fault = "drop"
            await self.record(facts)
            return try await self.dropConnection(context)
        }
        facts.status = Int(response.status.code)
        if let latency = decision.latency {
            facts.fault = "latency"
            let ticket = self.heldAnswers.ticket()
            await self.record(facts)
            await self.heldAnswers.hold(for: latency, ticket: ticket)
        } else {
            await self.record(facts)
        }
        return response
    }

    private func record(_ facts: SimulatorEngine.RequestFacts) async {
        var metadata: Logger.Metadata = ["http.status": "\(facts.status.map(String.init) ?? "dropped")"]
        if let orderId = facts.orderId { metadata["vipps.orderId"] = "\(orderId)" }
        if let fault = facts.fault { metadata["sim.fault"] = "\(fault)" }
        self.logger.info("\(facts.method) \(facts.path)", metadata: metadata)
        await self.engine.record(facts)
    }

    /// Closes the TCP connection without an answer. The response returned afterwards can no longer be
    /// written, which is the point.
    private func dropConnection(_ context: Context) async throws -> Response {
        try? await context.channel.close()
        return Response(status: .internalServerError)
    }
}
