import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import VippsSimulator

/// The simulator's ePayment answers, success and problem alike, validated against Vipps' own OpenAPI document
/// (`Tests/Fixtures/vipps-spec/epayment-v1.openapi.yml`, v1.4.1) by a real OpenAPI schema validator
/// (openapi-schema-validator, from PyPI).
@Suite(.timeLimit(.minutes(2)))
struct EpaymentSpecTests {
    @Test func answersValidateAgainstTheOfficialSpec() async throws {
        let (answersFile, statuses) = try await SimulatorHarness.run { harness in
            let unit = VippsSimulatorConfiguration.demoSalesUnit
            var tokenRequest = HTTPClientRequest(url: harness.baseURL + "/accesstoken/get")
            tokenRequest.method = .POST
            tokenRequest.headers.add(name: "client_id", value: unit.clientID)
            tokenRequest.headers.add(name: "client_secret", value: unit.clientSecret)
            tokenRequest.headers.add(name: "Ocp-Apim-Subscription-Key", value: unit.subscriptionKey)
            let tokenAnswer = try await harness.httpClient.execute(tokenRequest, timeout: .seconds(20))
            let tokenBody = Data(Array(buffer: try await tokenAnswer.body.collect(upTo: 1 << 16)))
            let token = try #require(
                (try JSONSerialization.jsonObject(with: tokenBody) as? [String: Any])?["access_token"] as? String
            )
            // [{"method", "path", "status", "contentType", "body"}], as the validator reads it.
            var answers: [[String: Any]] = []
            func call(
                _ method: HTTPMethod,
                _ path: String,
                template: String,
                key: String? = nil,
                body: String? = nil
            ) async throws {
                var request = HTTPClientRequest(url: harness.baseURL + path)
                request.method = method
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                request.headers.add(name: "Ocp-Apim-Subscription-Key", value: unit.subscriptionKey)
                request.headers.add(name: "Merchant-Serial-Number", value: unit.msn)
                if let key { request.headers.add(name: "Idempotency-Key", value: key) }
                if let body {
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(string: body))
                }
                let response = try await harness.httpClient.execute(request, timeout: .seconds(20))
                let data = Data(Array(buffer: try await response.body.collect(upTo: 1 << 20)))
                let body =
                    data.isEmpty ? NSNull() : try JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)
                answers.append([
                    "method": method.rawValue,
                    "path": template,
                    "status": Int(response.status.code),
                    "contentType": response.headers.first(name: "Content-Type") ?? "",
                    "body": body,
                ])
            }
            let payments = "/epayment/v1/payments"
            let one = "\(payments)/{reference}"
            let create = #"""
                {"amount":{"currency":"NOK","value":10000},"paymentMethod":{"type":"WALLET"},"reference":"kiosk7-spec-1",
                 "userFlow":"QR","qrFormat":{"format":"TEXT/TARGETURL"},"customerInteraction":"CUSTOMER_PRESENT",
                 "paymentDescription":"Kaffe"}
                """#
            try await call(.POST, payments, template: payments, key: "create-spec-1", body: create)
            try await call(.POST, payments, template: payments, key: "create-spec-1", body: create)
            try await call(.POST, payments, template: payments, key: "create-spec-2", body: create)
            try await call(
                .POST,
                payments,
                template: payments,
                key: "create-spec-3",
                body: #"{"amount":{"currency":"NOK","value":10}}"#
            )
            try await call(.GET, "\(payments)/kiosk7-spec-1", template: one)
            try await call(.GET, "\(payments)/kiosk7-spec-1/events", template: "\(one)/events")
            let capture = #"{"modificationAmount":{"currency":"NOK","value":4000}}"#
            try await call(
                .POST,
                "\(payments)/kiosk7-spec-1/capture",
                template: "\(one)/capture",
                key: "c-0",
                body: capture
            )
            try await harness.simulator.open(orderId: "kiosk7-spec-1")
            try await call(.POST, "\(payments)/kiosk7-spec-1/cancel", template: "\(one)/cancel", key: "x-1", body: "{}")
            try await harness.simulator.approve(orderId: "kiosk7-spec-1")
            try await call(.GET, "\(payments)/kiosk7-spec-1", template: one)
            try await call(
                .POST,
                "\(payments)/kiosk7-spec-1/capture",
                template: "\(one)/capture",
                key: "c-1",
                body: capture
            )
            try await call(
                .POST,
                "\(payments)/kiosk7-spec-1/capture",
                template: "\(one)/capture",
                key: "c-1",
                body: capture
            )
            try await call(
                .POST,
                "\(payments)/kiosk7-spec-1/refund",
                template: "\(one)/refund",
                key: "r-1",
                body: #"{"modificationAmount":{"currency":"NOK","value":1000}}"#
            )
            try await call(
                .POST,
                "\(payments)/kiosk7-spec-1/refund",
                template: "\(one)/refund",
                key: "r-2",
                body: #"{"modificationAmount":{"currency":"NOK","value":99999}}"#
            )
            try await call(.POST, "\(payments)/kiosk7-spec-1/cancel", template: "\(one)/cancel", key: "x-2", body: "{}")
            try await call(.GET, "\(payments)/kiosk7-spec-1", template: one)
            try await call(.GET, "\(payments)/kiosk7-spec-1/events", template: "\(one)/events")
            try await call(.POST, "\(payments)/kiosk7-nobody/cancel", template: "\(one)/cancel", key: "x-3", body: "{}")
            // Declined, expired and cancelled-before-approval payments: their states and events.
            for (index, action) in ["decline", "expire", "cancel"].enumerated() {
                let reference = "kiosk7-spec-end-\(index)"
                try await call(
                    .POST,
                    payments,
                    template: payments,
                    key: "create-\(reference)",
                    body: create.replacingOccurrences(of: "kiosk7-spec-1", with: reference)
                )
                switch action {
                case "decline": try await harness.simulator.decline(orderId: reference)
                case "expire": try await harness.simulator.expire(orderId: reference)
                default:
                    try await call(
                        .POST,
                        "\(payments)/\(reference)/cancel",
                        template: "\(one)/cancel",
                        key: "x-\(reference)",
                        body: "{}"
                    )
                }
                try await call(.GET, "\(payments)/\(reference)", template: one)
                try await call(.GET, "\(payments)/\(reference)/events", template: "\(one)/events")
            }
            // The test environment's force approve.
            let forced = "kiosk7-spec-forced"
            try await call(
                .POST,
                payments,
                template: payments,
                key: "create-forced",
                body: create.replacingOccurrences(of: "kiosk7-spec-1", with: forced)
            )
            try await call(
                .POST,
                "/epayment/v1/test/payments/\(forced)/approve",
                template: "/epayment/v1/test/payments/{reference}/approve",
                body: #"{"customer":{"phoneNumber":"4791234567"}}"#
            )
            let statuses = answers.compactMap { $0["status"] as? Int }
            return (try JSONSerialization.data(withJSONObject: answers), statuses)
        }
        // Problems and successes, each kind at least once.
        #expect(Set(statuses).isSuperset(of: [200, 201, 400, 404, 409]))
        let directory = try TemporaryDirectory()
        let file = directory.file("answers.json")
        try answersFile.write(to: file)
        let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/vipps-spec")
        // The virtual environment Tests/openapi/setup.sh makes (README, "Two commands"), else the python3 on PATH.
        let venv = packageRoot.appendingPathComponent(".build/openapi-venv/bin/python3").path
        let python = FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
        let result = try await ExternalTool.launch(
            python,
            [
                fixtures.appendingPathComponent("validate-answers.py").path,
                fixtures.appendingPathComponent("epayment-v1.openapi.yml").path, file.path,
            ]
        )
        #expect(result.status == 0, "\(result.output)\n\(result.standardError)")
        #expect(result.output.components(separatedBy: "\n").filter { $0.hasPrefix("ok ") }.count == statuses.count)
    }
}
