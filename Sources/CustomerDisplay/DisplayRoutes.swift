import HTTPTypes
import Hummingbird
import NIOCore
import ServerSentEvents

/// Hummingbird's request context plus the connection, so an event stream ends as soon as its page goes (and the
/// health report stops counting it) instead of at the next keep-alive write.
struct DisplayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// The page's HTTP surface: the files, its configuration, the QR images and the event stream.
struct DisplayRoutes: Sendable {
    var assets: DisplayAssets
    var pageConfiguration: ByteBuffer
    var events: ScreenEventStream
    var qrImage: CustomerDisplayServer.QRImageProvider

    func makeRouter() -> Router<DisplayRequestContext> {
        let router = Router(context: DisplayRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())

        router.get("/") { _, _ in
            try self.file(named: "index.html")
        }
        router.get("/assets/{name}") { _, context in
            try self.file(named: context.parameters.require("name"))
        }
        router.get("/config.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: self.pageConfiguration)
            )
        }
        router.get("/events") { _, context in
            await self.events.response(connection: context.channel)
        }
        router.get("/qr/{reference}.png") { _, context in
            let reference = try context.parameters.require("reference")
            guard Self.isPaymentReference(reference), let png = await self.qrImage(reference) else {
                throw HTTPError(.notFound)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "image/png", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: png))
            )
        }
        // Browsers ask for it on their own; answering keeps a 404 out of the kiosk's console.
        router.get("/favicon.ico") { _, _ in
            Response(status: .noContent)
        }
        return router
    }

    private func file(named name: String) throws -> Response {
        guard let file = self.assets[name] else {
            throw HTTPError(.notFound)
        }
        return Response(
            status: .ok,
            headers: [.contentType: file.contentType, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: file.bytes)
        )
    }

    /// The till's reference format (`^[A-Za-z0-9-]{1,40}$`); anything else cannot name a payment.
    static func isPaymentReference(_ text: String) -> Bool {
        (1...40).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
            }
    }
}
