import Hummingbird
import NIOCore

/// The `Host` a TCP listener answers: a loopback name with the port it serves, or one of a few configured names.
///
/// A web page in any browser on the box can point a name of its own at 127.0.0.1 (DNS rebinding) and read what the
/// listener serves; its requests carry that name in `Host`. Such a request is answered `421 Misdirected Request`, one
/// without `Host` `400`.
public struct HostCheck: Sendable, Hashable {
    /// The names always accepted: how the box reaches itself.
    public static let loopbackNames: Set<String> = ["127.0.0.1", "localhost", "[::1]"]

    /// Accepted names, lower case, IPv6 addresses in brackets.
    public let names: Set<String>

    /// - Parameter alsoAllowed: Names accepted besides the loopback ones (`metrics.allowedHosts`: the box's name or
    ///   address a fleet's Prometheus scrapes it by); an IPv6 address may be given with or without brackets.
    public init(alsoAllowed: [String] = []) {
        var names = Self.loopbackNames
        for name in alsoAllowed {
            let lowered = name.lowercased()
            names.insert(lowered.contains(":") && !lowered.hasPrefix("[") ? "[\(lowered)]" : lowered)
        }
        self.names = names
    }

    /// The answer for a request whose `Host` is not accepted, or nil when it is.
    ///
    /// - Parameters:
    ///   - request: The request (HTTP/1's `Host` is its authority).
    ///   - servingPort: The port the connection came in on.
    func refusal(for request: Request, servingPort: Int?) -> Response? {
        guard let host = request.head.authority else {
            return Self.problem(.badRequest, "A Host header is required.\n")
        }
        guard self.accepts(host, servingPort: servingPort) else {
            return Self.problem(.misdirectedRequest, "This server does not answer for that Host.\n")
        }
        return nil
    }

    /// Whether `host` (`name` or `name:port`) names this listener.
    public func accepts(_ host: String, servingPort: Int?) -> Bool {
        let lowered = host.lowercased()
        let name: Substring
        let portText: Substring?
        if lowered.hasPrefix("[") {
            guard let close = lowered.firstIndex(of: "]") else { return false }
            name = lowered[...close]
            let rest = lowered[lowered.index(after: close)...]
            if rest.isEmpty {
                portText = nil
            } else {
                guard rest.hasPrefix(":") else { return false }
                portText = rest.dropFirst()
            }
        } else if let colon = lowered.lastIndex(of: ":") {
            name = lowered[..<colon]
            portText = lowered[lowered.index(after: colon)...]
        } else {
            name = lowered[...]
            portText = nil
        }
        guard self.names.contains(String(name)) else { return false }
        let port: Int
        if let portText {
            guard let parsed = Int(portText), String(parsed) == portText else { return false }
            port = parsed
        } else {
            port = 80
        }
        return servingPort == port
    }

    private static func problem(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
