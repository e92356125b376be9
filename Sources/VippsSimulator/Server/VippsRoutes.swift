import Hummingbird

/// The Vipps endpoints the daemon uses, mounted on the paths the real hosts serve them from.
enum VippsRoutes {
    static func add(to router: Router<SimulatorRequestContext>, engine: SimulatorEngine) {
        router.post("/accesstoken/get") { request, context in
            try await respond(request, context) { await engine.accessToken($0) }
        }
        router.post("/ecomm/v2/payments") { request, context in
            try await respond(request, context) { await engine.initiate($0) }
        }
        router.get("/ecomm/v2/payments/:orderId/details") { request, context in
            let orderId = try context.parameters.require("orderId")
            return try await respond(request, context) { await engine.details($0, orderId: orderId) }
        }
        router.post("/ecomm/v2/payments/:orderId/capture") { request, context in
            let orderId = try context.parameters.require("orderId")
            return try await respond(request, context) { await engine.capture($0, orderId: orderId) }
        }
        router.put("/ecomm/v2/payments/:orderId/cancel") { request, context in
            let orderId = try context.parameters.require("orderId")
            return try await respond(request, context) { await engine.cancel($0, orderId: orderId) }
        }
        router.post("/ecomm/v2/payments/:orderId/refund") { request, context in
            let orderId = try context.parameters.require("orderId")
            return try await respond(request, context) { await engine.refund($0, orderId: orderId) }
        }
        router.post("/ecomm/v2/integration-test/payments/:orderId/approve") { request, context in
            let orderId = try context.parameters.require("orderId")
            return try await respond(request, context) { await engine.forceApprove($0, orderId: orderId) }
        }
        router.post("/epayment/v1/payments") { request, context in
            try await respond(request, context) { await engine.epaymentCreate($0) }
        }
        router.get("/epayment/v1/payments/:reference") { request, context in
            let reference = try context.parameters.require("reference")
            return try await respond(request, context) { await engine.epaymentGet($0, reference: reference) }
        }
        router.get("/epayment/v1/payments/:reference/events") { request, context in
            let reference = try context.parameters.require("reference")
            return try await respond(request, context) { await engine.epaymentEvents($0, reference: reference) }
        }
        router.post("/epayment/v1/payments/:reference/capture") { request, context in
            let reference = try context.parameters.require("reference")
            return try await respond(request, context) { await engine.epaymentCapture($0, reference: reference) }
        }
        router.post("/epayment/v1/payments/:reference/refund") { request, context in
            let reference = try context.parameters.require("reference")
            return try await respond(request, context) { await engine.epaymentRefund($0, reference: reference) }
        }
        router.post("/epayment/v1/payments/:reference/cancel") { request, context in
            let reference = try context.parameters.require("reference")
            return try await respond(request, context) { await engine.epaymentCancel($0, reference: reference) }
        }
        router.post("/epayment/v1/test/payments/:reference/approve") { request, context in
            let reference = try context.parameters.require("reference")
            return try await respond(request, context) { await engine.epaymentForceApprove($0, reference: reference) }
        }
        router.post("/qr/v1") { request, context in
            try await respond(request, context) { await engine.oneTimeQR($0) }
        }
        router.get("/qr-image/:id") { request, context in
            let id = try context.parameters.require("id")
            let svg = request.uri.queryParameters.get("format") == "svg"
            return try await respond(request, context) { _ in await engine.qrImage(id: id, svg: svg) }
        }
    }

    private static func respond(
        _ request: Request,
        _ context: SimulatorRequestContext,
        _ endpoint: (VippsRequest) async -> VippsAnswer
    ) async throws -> Response {
        let answer = await endpoint(try await VippsRequest(request))
        context.observation.orderId = answer.orderId
        return Response(answer)
    }
}
