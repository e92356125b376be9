import Foundation
import Glibc

/// The till's side of the control socket, as plainly as a till in any language would do it: one HTTP/1.1 request
/// per connection over a Unix stream socket, `Connection: close`, the answer read to the end.
enum UnixHTTP {
    struct Response: Sendable {
        let status: Int
        let body: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(self.body.utf8))) as? [String: Any] ?? [:]
        }
    }

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    static func get(_ path: String, socket socketPath: String) async throws -> Response {
        try await self.send("GET", path, body: nil, socket: socketPath)
    }

    static func post(_ path: String, json: String, socket socketPath: String) async throws -> Response {
        try await self.send("POST", path, body: json, socket: socketPath)
    }

    static func send(_ method: String, _ path: String, body: String?, socket socketPath: String) async throws
        -> Response
    {
        try await onOwnThread { try self.exchange(method, path, body: body, socketPath: socketPath) }
    }

    private static func exchange(_ method: String, _ path: String, body: String?, socketPath: String) throws
        -> Response
    {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failed(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // A generous limit, so a daemon that never answers fails the test instead of hanging it.
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8)) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + socketPath.utf8.count + 1)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        guard connected == 0 else {
            throw Failed(description: "connect \(socketPath): \(String(cString: strerror(errno)))")
        }
        let payload = Array((body ?? "").utf8)
        var request = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        if body != nil {
            request += "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\n"
        }
        request += "\r\n"
        var bytes = Array(request.utf8) + payload
        while !bytes.isEmpty {
            let written = write(fd, bytes, bytes.count)
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw Failed(description: "write: \(String(cString: strerror(errno)))") }
            bytes.removeFirst(written)
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw Failed(description: "read: \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            answer.append(contentsOf: buffer[..<count])
        }
        return try self.parse(answer)
    }

    private static func parse(_ answer: [UInt8]) throws -> Response {
        let text = String(decoding: answer, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else {
            throw Failed(description: "no HTTP head in \(text.prefix(200).debugDescription)")
        }
        let head = text[..<headEnd.lowerBound].split(separator: "\r\n")
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw Failed(description: "bad status line \(head.first.map(String.init) ?? "")")
        }
        var body = String(text[headEnd.upperBound...])
        let chunked = head.contains {
            $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked")
        }
        if chunked { body = self.dechunk(body) }
        return Response(status: status, body: body)
    }

    private static func dechunk(_ text: String) -> String {
        var rest = Substring(text)
        var body = ""
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let utf8 = rest.utf8
            guard let end = utf8.index(start, offsetBy: size, limitedBy: utf8.endIndex) else { break }
            body += String(rest[start..<end])
            rest = rest[end...].dropFirst(2)
        }
        return body
    }
}
