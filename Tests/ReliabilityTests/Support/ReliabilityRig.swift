import Foundation
import TestSupport
import VippsSimulator

/// One simulator, one real daemon on its own state directory, a till following its events: what every reliability
/// run starts from, and the one way every run is judged at the end.
struct ReliabilityRig: Sendable {
    static let orderIdPrefix = "kiosk7-"

    let harness: SimulatorHarness
    let directory: TemporaryDirectory
    let ledger: TillLedger
    let supervisor: DaemonSupervisor
    let run: PaymentRun

    /// - Parameter api: `vipps.api` for the daemon: `ecom` or `epayment`.
    static func start(_ harness: SimulatorHarness, settlement: String, api: String = "ecom") async throws
        -> ReliabilityRig
    {
        let directory = try TemporaryDirectory(prefix: "qrpayd-reliability")
        var setup = try DaemonProcess.configuration(
            simulatorPort: harness.port,
            directory: directory,
            settlement: settlement
        )
        setup.environment["VIPPS_API"] = api
        let ledger = TillLedger()
        let supervisor = DaemonSupervisor(
            setup: setup,
            httpClient: harness.httpClient,
            ledger: ledger,
            stateDirectory: directory.file("state").path
        )
        try await supervisor.start()
        let run = PaymentRun(
            harness: harness,
            supervisor: supervisor,
            ledger: ledger,
            settlement: settlement,
            api: api,
            orderIdPrefix: Self.orderIdPrefix
        )
        return ReliabilityRig(harness: harness, directory: directory, ledger: ledger, supervisor: supervisor, run: run)
    }

    var resources: DaemonFootprint? {
        get async { await self.supervisor.processID.flatMap { try? DaemonFootprint.read(pid: $0) } }
    }

    /// Checks every invariant over everything the run did, fills the report's figures and stops the daemon.
    func finish(_ report: inout ReliabilityReport, references: [String]) async throws {
        await self.harness.simulator.clearFaults()
        let evidence = PaymentInvariants.Evidence(
            vipps: await self.harness.simulator.payments(),
            requests: await self.harness.simulator.requests(),
            daemon: try await self.run.daemonView(of: references),
            tillSaw: await self.ledger.seen,
            orderIdPrefix: Self.orderIdPrefix,
            settlement: self.run.settlement,
            asks: await self.ledger.asks
        )
        report.vippsRequests = evidence.requests.count
        report.crashes = await self.supervisor.kills
        report.tornWrites = await self.supervisor.tornWrites
        report.invariantsChecked = PaymentInvariants.rules
        report.violations += PaymentInvariants.violations(evidence).map(\.description)
        report.violations += await self.supervisor.unexpectedExits.map { "daemon-stays-up: \($0)" }
        let status = await self.supervisor.stop()
        if status != 0 {
            let log = self.supervisor.logTail.last.suffix(15).joined(separator: "\n")
            report.violations.append(
                "clean-shutdown: SIGTERM ended with status \(status.map(String.init) ?? "?"):\n\(log)"
            )
        }
    }
}
