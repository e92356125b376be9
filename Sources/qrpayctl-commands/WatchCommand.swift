import ArgumentParser
import NIOHTTP1

/// `qrpayctl watch`: every change of every payment, as it happens.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow payment events (one line per change) until interrupted or the daemon stops.",
        discussion: "With --json, each line is the payment JSON of one event, as the daemon sent it."
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Replay the events after this event id first (0 replays everything stored).")
    var after: Int64?

    @Option(help: "Stop after this many events.")
    var count: Int?

    func validate() throws {
        if let count = self.count, count < 1 { throw ValidationError("--count must be at least 1.") }
        if let after = self.after, after < 0 { throw ValidationError("--after must be an event id (0 or more).") }
    }

    func run() async throws {
        try await DaemonClient.with(socketPath: self.connection.socketPath) { client in
            var events = try await client.events(lastEventID: self.after)
            var seen = 0
            while let event = try await events.next() {
                if self.connection.json {
                    Output.line(event.data)
                } else {
                    let payment = try event.payment()
                    // Fixed columns (an empty "captured" cell keeps its place), so the lines of a stream line up.
                    Output.line(
                        Output.streamLine(
                            ["#\(event.id.map(String.init) ?? "?")"] + Output.paymentRow(payment),
                            rightAligned: [2]
                        )
                    )
                }
                seen += 1
                if let count = self.count, seen >= count { return }
            }
        }
    }
}
