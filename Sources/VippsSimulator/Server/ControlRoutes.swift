import Foundation
import Hummingbird
import JSONValues
import NIOCore
import NIOFoundationCompat

/// The control surface under `/_sim/`: play the customer, read the truth and the request log, inject faults,
/// move the clock. The same operations as the Swift API, for tests and demos outside the process.
enum ControlRoutes {
    static func add(to router: Router<SimulatorRequestContext>, simulator: VippsSimulator) {
        let control = router.group("_sim")
        control.post("payments/:orderId/:action") { _, context in
            let orderId = try context.parameters.require("orderId")
            guard let action = CustomerAction(rawValue: try context.parameters.require("action")) else {
                return problem(404, "unknown-action", "Actions: open, approve, decline, card-decline, expire")
            }
            let payment: SimulatedPayment
            do throws(SimulatorError) {
                payment = try await simulator.engine.perform(action, orderId: orderId, msn: nil)
            } catch {
                let status = error.code == .paymentNotFound ? 404 : 409
                return problem(status, error.code.description, error.message)
            }
            return try json(payment)
        }
        control.get("payments/:orderId") { _, context in
            let orderId = try context.parameters.require("orderId")
            guard let payment = await simulator.payment(orderId: orderId) else {
                return problem(404, "paymentNotFound", "No payment with orderId \(orderId)")
            }
            return try json(payment)
        }
        control.get("payments") { _, _ in
            try json(await simulator.payments())
        }
        control.get("requests") { _, _ in
            try json(await simulator.requests())
        }
        control.delete("requests") { _, _ in
            await simulator.clearRequests()
            return Response(status: .noContent)
        }
        control.post("faults") { request, _ in
            var request = request
            let body = JSONValue.parse(Data(buffer: try await request.collectBody(upTo: 64 * 1024)))
            let fault: SimulatorFault
            do throws(FaultDescriptionError) {
                fault = try SimulatorFault(json: body)
            } catch {
                return problem(400, "invalid-fault", error.message)
            }
            await simulator.inject(fault)
            return Response(status: .noContent)
        }
        control.delete("faults") { _, _ in
            await simulator.clearFaults()
            return Response(status: .noContent)
        }
        control.post("clock/advance") { request, _ in
            var request = request
            let body = JSONValue.parse(Data(buffer: try await request.collectBody(upTo: 64 * 1024)))
            guard let seconds = body?["seconds"]?.secondsValue, seconds >= 0 else {
                return problem(400, "invalid-clock", "Send {\"seconds\": n} with n ≥ 0")
            }
            await simulator.advanceClock(by: .milliseconds(Int64(seconds * 1000)))
            return try json(["now": await simulator.now()])
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(WireTime.string(from: date))
        }
        return encoder
    }()

    private static func json(_ value: some Encodable) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let data = try encoder.encode(value)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    private static func problem(_ status: Int, _ slug: String, _ detail: String) -> Response {
        Response(
            VippsAnswer.problem(
                status,
                ErrorBodies.problem(
                    status: status,
                    type: "urn:vipps-sim:error:\(slug)",
                    title: slug,
                    detail: detail
                )
            )
        )
    }
}

extension JSONValue {
    /// A number of seconds, whole or fractional.
    var secondsValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }
}
