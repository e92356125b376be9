import Hummingbird
import Logging
import NIOCore
import PaymentCore

/// The request context of the control API: Hummingbird's core storage plus the connection the request came on,
/// which the routes need for the caller's credentials and to drop an event stream whose reader is stuck.
struct ControlRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// Bodies are read by ``RequestFields`` with the control API's own limit.
    var maxUploadSize: Int { RequestFields.maximumBodySize }

    /// The process on the other end of the socket, for the journal.
    func caller() async -> Caller {
        await PeerCredentials.caller(of: self.channel)
    }
}
