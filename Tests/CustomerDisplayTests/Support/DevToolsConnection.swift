import Foundation

/// A Chrome DevTools Protocol connection over `--remote-debugging-pipe`: JSON messages separated by NUL bytes,
/// commands written to the browser's fd 3, answers and events read from its fd 4.
///
/// Besides answering commands it keeps what the page did (every request URL, uncaught exceptions, console
/// errors), and lets a test wait for an event without sleeping.
actor DevToolsConnection {
    struct ProtocolError: Error, CustomStringConvertible {
        var description: String
    }

    private let commandDescriptor: Int32
    private var nextID = 1
    private var pending: [Int: CheckedContinuation<Data, any Error>] = [:]
    private var eventCounts: [String: Int] = [:]
    private var eventWaiters: [(key: String, count: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var closedReason: String?

    /// Every URL the page asked for, in order.
    private(set) var requestedURLs: [String] = []
    /// Uncaught exceptions and console/log errors, as text.
    private(set) var pageErrors: [String] = []

    init(commandDescriptor: Int32) {
        self.commandDescriptor = commandDescriptor
    }

    /// Sends a command and returns the whole answer message.
    @discardableResult
    func send(_ method: String, _ parameters: [String: any Sendable] = [:], session: String? = nil) async throws -> Data
    {
        if let closedReason {
            throw ProtocolError(description: "browser connection closed: \(closedReason)")
        }
        let id = self.nextID
        self.nextID += 1
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if let session {
            message["sessionId"] = session
        }
        var bytes = try JSONSerialization.data(withJSONObject: message)
        bytes.append(0)
        return try await withCheckedThrowingContinuation { continuation in
            self.pending[id] = continuation
            do {
                try self.write(bytes)
            } catch {
                self.pending[id] = nil
                continuation.resume(throwing: error)
            }
        }
    }

    /// Sends a command and decodes its `result`.
    nonisolated func call<Result: Decodable>(
        _ method: String,
        _ parameters: [String: any Sendable] = [:],
        session: String? = nil,
        as type: Result.Type = Result.self
    ) async throws -> Result {
        let answer = try await self.send(method, parameters, session: session)
        return try JSONDecoder().decode(Answer<Result>.self, from: answer).result
    }

    /// Sends a command without waiting for (or expecting) an answer; for `Browser.close`.
    func post(_ method: String) {
        let id = self.nextID
        self.nextID += 1
        guard var bytes = try? JSONSerialization.data(withJSONObject: ["id": id, "method": method]) else { return }
        bytes.append(0)
        try? self.write(bytes)
    }

    func eventCount(_ method: String, session: String) -> Int {
        self.eventCounts["\(session) \(method)", default: 0]
    }

    /// Returns once `method` has arrived `count` times on `session` (counting from the start of the session).
    func waitForEvent(_ method: String, session: String, count: Int) async throws {
        let key = "\(session) \(method)"
        if self.eventCounts[key, default: 0] >= count {
            return
        }
        if let closedReason {
            throw ProtocolError(description: "browser connection closed: \(closedReason)")
        }
        try await withCheckedThrowingContinuation { continuation in
            self.eventWaiters.append((key, count, continuation))
        }
    }

    /// Called for every message the browser sends.
    func receive(_ message: Data) {
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: message) else {
            return
        }
        if let id = envelope.id {
            guard let continuation = self.pending.removeValue(forKey: id) else { return }
            if let error = envelope.error {
                continuation.resume(
                    throwing: ProtocolError(description: "DevTools error \(error.code): \(error.message)")
                )
            } else {
                continuation.resume(returning: message)
            }
            return
        }
        guard let method = envelope.method else { return }
        self.record(method: method, message: message)
        let key = "\(envelope.sessionId ?? "") \(method)"
        let count = self.eventCounts[key, default: 0] + 1
        self.eventCounts[key] = count
        let ready = self.eventWaiters.filter { $0.key == key && $0.count <= count }
        self.eventWaiters.removeAll { $0.key == key && $0.count <= count }
        for waiter in ready {
            waiter.continuation.resume()
        }
    }

    /// Fails everything still waiting; called when the browser's pipe closes.
    func close(reason: String) {
        self.closedReason = reason
        let error = ProtocolError(description: "browser connection closed: \(reason)")
        for continuation in self.pending.values {
            continuation.resume(throwing: error)
        }
        self.pending = [:]
        for waiter in self.eventWaiters {
            waiter.continuation.resume(throwing: error)
        }
        self.eventWaiters = []
    }

    private func record(method: String, message: Data) {
        let decoder = JSONDecoder()
        switch method {
        case "Network.requestWillBeSent":
            if let event = try? decoder.decode(Event<RequestWillBeSent>.self, from: message) {
                self.requestedURLs.append(event.params.request.url)
            }
        case "Runtime.exceptionThrown":
            if let event = try? decoder.decode(Event<ExceptionThrown>.self, from: message) {
                let details = event.params.exceptionDetails
                self.pageErrors.append("exception: \(details.exception?.description ?? details.text)")
            }
        case "Log.entryAdded":
            if let event = try? decoder.decode(Event<LogEntryAdded>.self, from: message),
                event.params.entry.level == "error"
            {
                self.pageErrors.append("\(event.params.entry.source): \(event.params.entry.text)")
            }
        case "Runtime.consoleAPICalled":
            if let event = try? decoder.decode(Event<ConsoleAPICalled>.self, from: message),
                event.params.type == "error"
            {
                let text = event.params.args.map { $0.value?.description ?? $0.description ?? "?" }.joined(
                    separator: " "
                )
                self.pageErrors.append("console: \(text)")
            }
        default:
            break
        }
    }

    private func write(_ bytes: Data) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(
                    self.commandDescriptor,
                    buffer.baseAddress?.advanced(by: offset),
                    buffer.count - offset
                )
                if written < 0 {
                    if errno == EINTR { continue }
                    throw ProtocolError(description: "cannot write to browser pipe (errno \(errno))")
                }
                offset += written
            }
        }
    }
}

// MARK: Wire shapes (only the fields the tests read)

private struct Envelope: Decodable {
    struct ErrorBody: Decodable {
        var code: Int
        var message: String
    }
    var id: Int?
    var method: String?
    var sessionId: String?
    var error: ErrorBody?
}

private struct Answer<Result: Decodable>: Decodable {
    var result: Result
}

private struct Event<Parameters: Decodable>: Decodable {
    var params: Parameters
}

private struct RequestWillBeSent: Decodable {
    struct Request: Decodable {
        var url: String
    }
    var request: Request
}

private struct RemoteObject: Decodable {
    var description: String?
    var value: JSONScalar?
}

/// A console argument's primitive value.
private enum JSONScalar: Decodable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case bool(Bool)
    case other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else {
            self = .other
        }
    }

    var description: String {
        switch self {
        case .string(let text): text
        case .number(let number): "\(number)"
        case .bool(let flag): "\(flag)"
        case .other: "…"
        }
    }
}

private struct ExceptionThrown: Decodable {
    struct Details: Decodable {
        var text: String
        var exception: RemoteObject?
    }
    var exceptionDetails: Details
}

private struct LogEntryAdded: Decodable {
    struct Entry: Decodable {
        var source: String
        var level: String
        var text: String
    }
    var entry: Entry
}

private struct ConsoleAPICalled: Decodable {
    var type: String
    var args: [RemoteObject]
}
