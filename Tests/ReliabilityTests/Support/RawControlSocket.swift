import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Raw client connections to the control socket (socket(2), connect(2), poll(2)), for bytes no HTTP client would
/// send and for clients that stall. The calls block: run them off the cooperative pool (see ``BadInputTests``).
enum RawControlSocket {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// How one exchange ended.
    enum End: String, Sendable, Codable {
        /// The daemon closed the connection (end of file, or a reset after its answer).
        case closed
        /// The answer is an event stream, which does not end by itself; the fuzzer stops reading there.
        case streaming
        /// Neither within the time allowed: the daemon hangs on this input.
        case timedOut
        /// The daemon answered more than the fuzzer reads.
        case tooMuch
        case failed
    }

    struct Exchange: Sendable {
        var received: [UInt8]
        var end: End
        /// The daemon stopped taking the request before all of it was sent (EPIPE or a reset).
        var sendCut: Bool
        var errorNumber: Int32 = 0
    }

    /// A connected stream socket, close-on-exec.
    static func connect(to path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw Failure(description: "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let error = errno
            close(fd)
            throw Failure(description: "connect \(path): \(String(cString: strerror(error)))")
        }
        return fd
    }

    /// `duration` for poll(2), rounded up.
    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
    }

    static func setNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Sends `bytes` (cut into writes at `splits`), half-closes, and reads until the daemon closes, the answer turns
    /// out to be an event stream, or `timeout` passes. Never sends a signal: a daemon that hangs up is an outcome.
    static func exchange(
        _ path: String,
        _ bytes: [UInt8],
        splits: [Int] = [],
        timeout: Duration,
        readLimit: Int = 4 << 20
    ) -> Exchange {
        let fd: Int32
        do {
            fd = try self.connect(to: path)
        } catch {
            return Exchange(received: [], end: .failed, sendCut: false, errorNumber: errno)
        }
        defer { close(fd) }
        self.setNonBlocking(fd)
        let deadline = ContinuousClock.now + timeout
        var sent = 0
        var sendCut = false
        var halfClosed = false
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let boundaries = (splits.filter { $0 > 0 && $0 < bytes.count } + [bytes.count]).sorted()

        while true {
            if sent == bytes.count, !halfClosed {
                shutdown(fd, Int32(SHUT_WR))
                halfClosed = true
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return Exchange(received: received, end: .timedOut, sendCut: sendCut) }
            let wantsToSend = sent < bytes.count
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN) | (wantsToSend ? Int16(POLLOUT) : 0), revents: 0)
            let ready = poll(&descriptor, 1, Self.milliseconds(left))
            if ready < 0 {
                if errno == EINTR { continue }
                return Exchange(received: received, end: .failed, sendCut: sendCut, errorNumber: errno)
            }
            if ready == 0 { continue }

            if descriptor.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                readLoop: while true {
                    let count = read(fd, &buffer, buffer.count)
                    if count > 0 {
                        received += buffer[0..<count]
                        if received.count > readLimit {
                            return Exchange(received: received, end: .tooMuch, sendCut: sendCut)
                        }
                        continue
                    }
                    if count == 0 { return Exchange(received: received, end: .closed, sendCut: sendCut) }
                    switch errno {
                    case EINTR: continue
                    case EAGAIN, EWOULDBLOCK: break readLoop
                    case ECONNRESET: return Exchange(received: received, end: .closed, sendCut: sendCut)
                    default: return Exchange(received: received, end: .failed, sendCut: sendCut, errorNumber: errno)
                    }
                }
                if HTTPAnswer.startsStream(received) {
                    return Exchange(received: received, end: .streaming, sendCut: sendCut)
                }
            }
            if wantsToSend, descriptor.revents & Int16(POLLOUT | POLLERR | POLLHUP) != 0 {
                let limit = boundaries.first { $0 > sent } ?? bytes.count
                let count = bytes.withUnsafeBytes { raw in
                    send(fd, raw.baseAddress.map { $0 + sent }, limit - sent, Int32(MSG_NOSIGNAL))
                }
                if count > 0 {
                    sent += count
                } else if count < 0, errno != EAGAIN, errno != EWOULDBLOCK, errno != EINTR {
                    // EPIPE or ECONNRESET: the daemon refused the rest; what it said is still to be read.
                    sendCut = true
                    sent = bytes.count
                    halfClosed = true
                }
            }
        }
    }

    /// Writes everything now, blocking; for the stalled clients, whose few bytes always fit the socket buffer.
    static func sendAll(_ fd: Int32, _ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress.map { $0 + sent }, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "send: \(String(cString: strerror(errno)))")
            }
            sent += count
        }
    }

    /// Sends `request` over and over without ever reading, until the socket takes no more: the daemon's answers have
    /// filled the buffers and it has stopped reading. Returns how many requests went out.
    static func sendUntilBlocked(_ fd: Int32, request: String, limit: Int = 64 << 20) throws -> Int {
        self.setNonBlocking(fd)
        let bytes = Array(request.utf8)
        var total = 0
        var offset = 0
        while total < limit {
            let count = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return total / bytes.count }
                throw Failure(description: "send: \(String(cString: strerror(errno)))")
            }
            total += count
            offset = (offset + count) % bytes.count
        }
        throw Failure(description: "the daemon took \(limit) bytes of requests without ever blocking on its answers")
    }

    /// Waits until the daemon hangs up on `fd`, reading nothing (reading would unblock a daemon stuck writing to it);
    /// false if `timeout` passes first.
    static func waitForHangUp(_ fd: Int32, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            // No events asked for: poll still reports a hang-up, and data arriving does not wake it.
            var descriptor = pollfd(fd: fd, events: 0, revents: 0)
            let ready = poll(&descriptor, 1, Self.milliseconds(left))
            if ready < 0, errno != EINTR { return false }
            if ready > 0, descriptor.revents & Int16(POLLHUP | POLLERR) != 0 { return true }
        }
    }
}

/// One HTTP response as the daemon wrote it.
struct HTTPAnswer: Sendable {
    var status: Int
    /// Names in lower case.
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// A chunked response (the event stream), whose body is not read.
    var isStream: Bool

    func header(_ name: String) -> String? {
        self.headers.first { $0.name == name }?.value
    }

    /// The parser's own refusal of a request it could not read: `400`, no body, and the connection closed.
    var isBareParserRefusal: Bool {
        self.status == 400 && self.header("content-length") == "0" && self.header("connection") == "close"
    }

    /// An RFC 9457 document with qrpayd's type and this answer's status.
    var isProblemDocument: Bool {
        guard self.header("content-type") == "application/problem+json",
            let document = (try? JSONSerialization.jsonObject(with: Data(self.body))) as? [String: Any],
            let type = document["type"] as? String, type.hasPrefix("urn:qrpayd:error:"),
            document["status"] as? Int == self.status,
            let title = document["title"] as? String, !title.isEmpty
        else { return false }
        return true
    }

    /// The responses in `bytes`; `complete` is false when the bytes end inside one, or are not HTTP at all.
    static func parse(_ bytes: [UInt8]) -> (answers: [HTTPAnswer], complete: Bool) {
        var answers: [HTTPAnswer] = []
        var offset = 0
        let separator: [UInt8] = [13, 10, 13, 10]
        while offset < bytes.count {
            guard let headEnd = Self.find(separator, in: bytes, from: offset) else { return (answers, false) }
            let head = String(decoding: bytes[offset..<headEnd], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n")
            let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
            guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
                return (answers, false)
            }
            let headers = lines.compactMap { line -> (name: String, value: String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (
                    line[..<colon].lowercased(),
                    line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                )
            }
            offset = headEnd + separator.count
            var answer = HTTPAnswer(status: status, headers: headers, body: [], isStream: false)
            if (100..<200).contains(status) { continue }
            if answer.header("transfer-encoding")?.lowercased().contains("chunked") == true {
                answer.isStream = true
                answers.append(answer)
                return (answers, true)
            }
            guard let length = answer.header("content-length").flatMap({ Int($0) }) else {
                answer.body = Array(bytes[offset...])
                answers.append(answer)
                return (answers, true)
            }
            guard offset + length <= bytes.count else { return (answers, false) }
            answer.body = Array(bytes[offset..<(offset + length)])
            offset += length
            answers.append(answer)
        }
        return (answers, true)
    }

    /// True once `bytes` hold the head of a chunked answer, which the fuzzer does not follow.
    static func startsStream(_ bytes: [UInt8]) -> Bool {
        Self.parse(bytes).answers.last?.isStream == true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], Array(haystack[index..<(index + needle.count)]) == needle {
                return index
            }
            index += 1
        }
        return nil
    }
}
