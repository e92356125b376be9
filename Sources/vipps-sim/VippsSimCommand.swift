import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import VippsSimulator

/// `vipps-sim`: the Vipps API simulator as a standalone server, for demos and for testing clients by hand.
@main
struct VippsSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vipps-sim",
        abstract: "A local simulator of the Vipps access token, eCom v2, ePayment v1 and QR APIs.",
        discussion: """
            Control it under /_sim/: POST /_sim/payments/{orderId}/open|approve|decline|card-decline|expire, \
            GET /_sim/payments, GET /_sim/requests, POST /_sim/faults, POST /_sim/clock/advance.
            """
    )

    enum EnvironmentOption: String, ExpressibleByArgument, CaseIterable {
        case test, production
    }

    enum QRAnswerOption: String, ExpressibleByArgument, CaseIterable {
        case json, text
    }

    @Option(help: "Address to bind. Loopback by default: the simulator has no authentication of its own.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8088

    @Option(help: "Which Vipps environment to imitate.")
    var environment = EnvironmentOption.test

    @Option(help: "Seconds the customer has to open a payment.")
    var openTimeout = 300

    @Option(help: "Seconds the customer has to approve after opening.")
    var approveTimeout = 300

    @Option(help: "Shape of the QR API's text/targetUrl answer: json or text.")
    var qrAnswer = QRAnswerOption.json

    @Flag(help: "Do not enforce Vipps' per-payment rate limits.")
    var noRateLimits = false

    @Flag(help: "Play a customer who opens every payment after 2 s and approves it after 4 s.")
    var autoApprove = false

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "vipps-sim")
        logger.logLevel = .info

        var configuration = VippsSimulatorConfiguration.demo
        configuration.environment = self.environment == .test ? .test : .production
        configuration.openTimeout = .seconds(self.openTimeout)
        configuration.approveTimeout = .seconds(self.approveTimeout)
        configuration.qrAnswer = self.qrAnswer == .json ? .json : .plainText
        configuration.enforceRateLimits = !self.noRateLimits
        configuration.autoCustomer = self.autoApprove ? .init() : nil

        let simulator = VippsSimulator(configuration: configuration, logger: logger)
        let host = self.host
        let environment = self.environment.rawValue
        let service = simulator.makeService(host: host, port: self.port) { port in
            Self.announce(Self.banner(host: host, port: port, environment: environment))
        }
        let group = ServiceGroup(
            configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }

    /// One line a person or a script can act on. The demo credentials are public: they open nothing but this
    /// simulator, so printing the secret is fine (and the line says so).
    static func banner(host: String, port: Int, environment: String) -> String {
        let unit = VippsSimulatorConfiguration.demoSalesUnit
        let address = host.contains(":") ? "[\(host)]" : host
        return "vipps-sim listening on http://\(address):\(port) (environment \(environment)); "
            + "demo credentials: client_id=\(unit.clientID) client_secret=\(unit.clientSecret) "
            + "Ocp-Apim-Subscription-Key=\(unit.subscriptionKey) Merchant-Serial-Number=\(unit.msn) "
            + "(public demo secret, valid only here)"
    }

    /// Written straight to the file descriptor so a parent process reading a pipe sees it at once.
    private static func announce(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
