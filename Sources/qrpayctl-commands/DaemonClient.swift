import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import QRPayConfiguration

/// The control API over the daemon's Unix socket, with the failures qrpayctl reports turned into exit codes.
struct DaemonClient: Sendable {
    /// An answer from the daemon.
    struct Reply: Sendable {
        var status: Int
        var body: ByteBuffer

        var text: String { String(buffer: self.body) }
    }

    let socketPath: String
    let httpClient: HTTPClient

    /// Runs `body` with a client for `socketPath` and shuts the client down afterwards.
    static func with<T: Sendable>(
        socketPath: String,
        _ body: (DaemonClient) async throws -> T
    ) async throws -> T {
        var configuration = HTTPClient.Configuration()
        // Fail at once when nobody listens, instead of retrying until a timeout: the operator is waiting.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(5))
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let client = DaemonClient(socketPath: socketPath, httpClient: httpClient)
        do {
            let result = try await body(client)
            try? await httpClient.shutdown()
            return result
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }

    /// Sends a request and returns the daemon's answer, whatever its status.
    ///
    /// - Throws: ``ExitStatus/cannotConnect`` (after saying why) when the socket cannot be reached.
    func send(
        _ method: HTTPMethod,
        _ path: String,
        json body: String? = nil,
        headers: [(String, String)] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: try self.url(path))
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await self.execute(request, timeout: .seconds(120))
        let bytes: ByteBuffer
        do {
            bytes = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw self.cannotConnect(because: error)
        }
        return Reply(status: Int(response.status.code), body: bytes)
    }

    /// Sends a request and decodes a successful answer; a problem is printed and becomes exit code 1.
    func call<T: Decodable>(
        _ method: HTTPMethod,
        _ path: String,
        json body: String? = nil,
        as type: T.Type,
        printingJSON: Bool
    ) async throws -> T {
        let reply = try await self.send(method, path, json: body)
        return try self.decode(reply, as: type, printingJSON: printingJSON)
    }

    /// Decodes `reply`, printing the raw JSON first when asked; turns a problem into exit code 1.
    func decode<T: Decodable>(_ reply: Reply, as type: T.Type, printingJSON: Bool) throws -> T {
        if printingJSON { Output.line(reply.text) }
        guard (200..<300).contains(reply.status) else {
            Self.report(reply)
            throw ExitStatus.problem
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: reply.body))
        } catch {
            Output.error("error: qrpayd's answer could not be read (\(error)).")
            throw ExitStatus.problem
        }
    }

    /// Opens `/v1/events`; returns once the daemon has answered, which means the subscription is in place.
    func events(lastEventID: Int64?) async throws -> EventStreamReader {
        var request = HTTPClientRequest(url: try self.url("/v1/events"))
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: "\(lastEventID)") }
        let response = try await self.execute(request, timeout: .hours(24 * 365))
        guard response.status == .ok else {
            let body = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
            Self.report(Reply(status: Int(response.status.code), body: body))
            throw ExitStatus.problem
        }
        return EventStreamReader(response.body) { error in self.cannotConnect(because: error) }
    }

    // MARK: Failures

    /// Prints a problem answer (or whatever came instead) on standard error.
    static func report(_ reply: Reply) {
        if let problem = try? JSONDecoder().decode(WireProblem.self, from: Data(buffer: reply.body)) {
            Output.problem(problem)
        } else {
            Output.error("error: qrpayd answered HTTP \(reply.status)")
        }
    }

    private func execute(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> HTTPClientResponse {
        do {
            return try await self.httpClient.execute(request, timeout: timeout)
        } catch {
            throw self.cannotConnect(because: error)
        }
    }

    private func cannotConnect(because error: any Error) -> ExitCode {
        Output.error("error: cannot talk to qrpayd on \(self.socketPath): \(Self.reason(error))")
        Output.error(Self.hint(socketPath: self.socketPath))
        return ExitStatus.cannotConnect
    }

    /// What to check when the daemon cannot be reached: the demo's socket when a demo is about, else the service.
    static func hint(socketPath: String) -> String {
        let demoSocket = DemoLocation.socketPath
        if socketPath == demoSocket {
            return "hint: no qrpayd demo answers on \(demoSocket); start one with `swift run qrpayd --demo` "
                + "(or `qrpayd --demo`) and leave it running."
        }
        if DemoLocation.seemsPresent() {
            let running = DemoLocation.isRunning() ? "is running" : "has run here"
            return "hint: a qrpayd demo \(running); its socket is \(demoSocket). Use "
                + "`export QRPAYD_SOCKET=\(demoSocket)` or `--socket \(demoSocket)`."
        }
        return "hint: check that the daemon runs (systemctl status qrpayd.socket qrpayd.service), that the path is "
            + "right (--socket or QRPAYD_SOCKET), and that your user is in the socket's group."
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode))
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "the connection timed out"
            case .deadlineExceeded, .readTimeout: return "the daemon did not answer in time"
            case .remoteConnectionClosed: return "the daemon closed the connection"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }

    private func url(_ path: String) throws -> String {
        guard let url = URL(httpURLWithSocketPath: self.socketPath, uri: path) else {
            Output.error("error: \(self.socketPath) cannot be used as a socket path.")
            throw ExitStatus.usage
        }
        return url.absoluteString
    }
}
