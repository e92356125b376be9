import Hummingbird
import NIOCore
import Synchronization

/// The request context: Hummingbird's basics plus the connection (so a `drop` fault can close it) and a
/// slot where the endpoint leaves the orderId it dealt with, for the request log.
struct SimulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    let observation: RequestObservation

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.observation = RequestObservation()
    }
}

/// Shared by every copy of one request's context.
final class RequestObservation: Sendable {
    private let storedOrderId = Mutex<String?>(nil)

    var orderId: String? {
        get { self.storedOrderId.withLock { $0 } }
        set { self.storedOrderId.withLock { $0 = newValue } }
    }
}
