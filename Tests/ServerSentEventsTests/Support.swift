import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServerSentEvents
import ServiceLifecycle
import Synchronization

/// Hummingbird's request context plus the connection, which ``EventStreamWriter`` watches.
struct StreamContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// What a test sees of one client's stream on the server: where to post its events, and when the writer let go of
/// the source (which is when a server's subscription ends).
struct ServerSide: Sendable {
    let events: AsyncStream<String>.Continuation
    let released: AsyncStream<Void>
}

/// A real server on loopback: `GET /events` runs `writer` over a source the test feeds, `GET /plain` answers
/// `hello`. The pipeline has ``HangUpHandler`` as the servers of qrpayd have it.
func withStreamServer(
    _ writer: EventStreamWriter,
    _ body: (_ port: Int, _ streams: inout AsyncStream<ServerSide>.Iterator, _ shutDown: () async -> Void) async throws
        -> Void
) async throws {
    let (streams, newStream) = AsyncStream.makeStream(of: ServerSide.self)
    let router = Router(context: StreamContext.self)
    router.get("/plain") { _, _ in "hello" }
    router.get("/events") { _, context in
        let (source, events) = AsyncStream.makeStream(of: String.self)
        let (released, release) = AsyncStream.makeStream(of: Void.self)
        events.onTermination = { _ in
            release.yield()
            release.finish()
        }
        newStream.yield(ServerSide(events: events, released: released))
        let channel = context.channel
        return Response(
            status: .ok,
            headers: [.contentType: EventStreamWriter.contentType],
            body: ResponseBody { body in
                try await writer.run(source, on: channel, render: { ServerSentEvent(event: "text", data: $0) }) {
                    try await body.write($0)
                }
                if channel.isActive { try await body.finish(nil) }
            }
        )
    }
    let (ports, portFound) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router,
        server: .http1(configuration: .init(additionalChannelHandlers: [HangUpHandler()])),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portFound.yield(channel.localAddress?.port ?? 0)
            portFound.finish()
        },
        logger: Logger(label: "test-server")
    )
    let group = ServiceGroup(services: [app], logger: Logger(label: "test-group"))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var portIterator = ports.makeAsyncIterator()
        let port = await portIterator.next() ?? 0
        var streamIterator = streams.makeAsyncIterator()
        try await body(port, &streamIterator) { await group.triggerGracefulShutdown() }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

/// A TCP client on swift-nio that can do what an HTTP client hides: stop reading, hang up, half-close.
final class RawClient: Sendable {
    let channel: any Channel
    private let sink: Sink

    /// With `reading: false` nothing is read until ``startReading()``; with a small `receiveBuffer` the server's writes
    /// soon block.
    static func connect(port: Int, reading: Bool = true, receiveBuffer: Int? = nil) async throws -> RawClient {
        let sink = Sink()
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: reading)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(sink: sink))
                }
            }
        if let receiveBuffer {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: receiveBuffer)
        }
        let channel = try await bootstrap.connect(host: "127.0.0.1", port: port).get()
        return RawClient(channel: channel, sink: sink)
    }

    private init(channel: any Channel, sink: Sink) {
        self.channel = channel
        self.sink = sink
    }

    func send(_ text: String) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(string: text))
    }

    func startReading() async throws {
        try await self.channel.setOption(.autoRead, value: true).get()
    }

    /// Everything received so far, as text.
    var text: String { String(decoding: self.sink.bytes, as: UTF8.self) }

    /// The events received so far (the head and the chunk sizes are lines of no event).
    var events: [ServerSentEvent] {
        var parser = ServerSentEventParser()
        parser.append(self.sink.bytes)
        var events: [ServerSentEvent] = []
        while let event = parser.next() {
            if event.event != nil || event.retry != nil || !event.comments.isEmpty { events.append(event) }
        }
        return events
    }

    /// Waits until `condition` holds for what has arrived; false if the connection closed first.
    func wait(until condition: (RawClient) -> Bool) async -> Bool {
        for await _ in self.sink.arrivals {
            if condition(self) { return true }
        }
        return condition(self)
    }

    /// Waits until the server has closed the connection (reading whatever was still on its way).
    func waitForClose() async throws {
        try await self.startReading()
        try await self.channel.closeFuture.get()
    }
}

/// The bytes a ``RawClient`` received, and a wake-up per arrival (the stream ends when the connection closes).
private final class Sink: Sendable {
    private let received = Mutex<[UInt8]>([])
    private let arrived: AsyncStream<Void>.Continuation
    let arrivals: AsyncStream<Void>

    init() {
        (self.arrivals, self.arrived) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.arrived.yield()
    }

    var bytes: [UInt8] { self.received.withLock { $0 } }

    func append(_ buffer: ByteBuffer) {
        self.received.withLock { $0.append(contentsOf: buffer.readableBytesView) }
        self.arrived.yield()
    }

    func closed() {
        self.arrived.finish()
    }
}

private final class Collector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let sink: Sink

    init(sink: Sink) {
        self.sink = sink
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.sink.append(self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.sink.closed()
        context.fireChannelInactive()
    }
}
