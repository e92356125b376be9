import Benchmark
import CustomerDisplay
import Foundation
import NIOHTTP1
import VippsSimulator

/// The daemon's own time on the paths a customer waits on, against the simulator with no added latency.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock],
        timeUnits: .milliseconds,
        warmupIterations: 2,
        maxDuration: .seconds(60),
        maxIterations: 200
    )

    Benchmark("Till POST /v1/payments to QR ready") { benchmark in
        let fixture = Fixture.shared
        try await fixture.start()
        let reference = await fixture.nextReference()
        benchmark.startMeasurement()
        let (status, _) = try await fixture.send(
            .POST,
            "/v1/payments",
            json: #"{"reference":"\#(reference)","amount":12900}"#
        )
        benchmark.stopMeasurement()
        precondition(status == 201, "POST answered \(status)")
        _ = try await fixture.send(.POST, "/v1/payments/\(reference)/cancel")
    }

    // Dominated by the 1 s poll interval Vipps' QR guide recommends; reported to show what a customer waits.
    Benchmark(
        "Customer approval to the till's SSE event (1 s polling)",
        configuration: .init(
            metrics: [.wallClock, .custom("Vipps requests per payment", useScalingFactor: false)],
            maxIterations: 25
        )
    ) { benchmark in
        let fixture = Fixture.shared
        try await fixture.start()
        let reference = await fixture.nextReference()
        let events = try await fixture.stream(url: await fixture.tillEventsURL)
        _ = try await fixture.send(.POST, "/v1/payments", json: #"{"reference":"\#(reference)","amount":12900}"#)
        let orderId = "bench-\(reference)"
        try await fixture.simulator.open(orderId: orderId)
        // A real customer approves at any moment of the poll cycle, not right after a poll.
        try await Task.sleep(for: .milliseconds(Int.random(in: 0..<1000)))
        benchmark.startMeasurement()
        try await fixture.simulator.approve(orderId: orderId)
        for try await data in events where data.contains("\"\(reference)\"") && data.contains("\"authorized\"") {
            break
        }
        benchmark.stopMeasurement()
        for try await data in events where data.contains("\"\(reference)\"") && data.contains("\"captured\"") {
            break
        }
        let requests = await fixture.simulator.requests().filter { $0.orderId == orderId }.count
        benchmark.measurement(.custom("Vipps requests per payment", useScalingFactor: false), requests)
    }

    Benchmark(
        "Display: state change to the page's SSE event",
        configuration: .init(metrics: [.wallClock], timeUnits: .microseconds, maxIterations: 500)
    ) { benchmark in
        let fixture = Fixture.shared
        try await fixture.start()
        let port = await fixture.displayPort
        let events = try await fixture.stream(url: "http://127.0.0.1:\(port)/events")
        var iterator = events.makeAsyncIterator()
        _ = try await iterator.next()  // the current screen, replayed on connect
        let reference = await fixture.nextReference()
        benchmark.startMeasurement()
        await fixture.feed.show(DisplayScreen(kind: .qr, reference: reference, amount: 12900, text: "Bench"))
        while let data = try await iterator.next(), !data.contains(reference) {}
        benchmark.stopMeasurement()
        await fixture.feed.show(.idle)
    }
}
