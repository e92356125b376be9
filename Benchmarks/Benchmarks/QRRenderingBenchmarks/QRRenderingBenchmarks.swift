import Benchmark
import QRRendering

/// Drawing the payment QR is on the path from the till's POST to the QR on the screen.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds,
        maxDuration: .seconds(5),
        maxIterations: 5_000
    )

    let shortURL = "https://qr.vipps.no/r/DI5bjNA0"
    let longURL =
        "https://apitest.vipps.no/dwo-api-application/v1/deeplink/vippsgateway?v=2&token=eyJraWQiOiJqd3RrZXkiLCJhbGci"
        + "OiJSUzI1NiJ9.eyJzdWIiOiI0YjZkMzY2Ny1hZjk4LTRlNjUtOGQzZS1kNmQ3ZWI5YTljODciLCJhdWQiOiJ2aXBwc2dhdGV3YXkiLCJpc3Mi"
        + "OiJodHRwczovL2FwaXRlc3QudmlwcHMubm8iLCJleHAiOjE3MzE1NzY0MDB9.c2lnbmF0dXJl"
    let options = QRRenderOptions(size: .moduleSize(10))

    Benchmark("QR short URL to PNG, 10 px/module") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try QRRenderer.render(shortURL, options: options))
        }
    }

    Benchmark("QR long eCom URL to PNG, 10 px/module") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try QRRenderer.render(longURL, options: options))
        }
    }

    Benchmark("QR long eCom URL, encode only") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try QRCode(text: longURL))
        }
    }
}
