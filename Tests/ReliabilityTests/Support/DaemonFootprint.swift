import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What a running daemon holds, read from /proc: resident memory, threads and open descriptors by kind.
struct DaemonFootprint: Sendable, Equatable, Codable, CustomStringConvertible {
    /// VmRSS, in KiB.
    var residentKiB: Int
    var threads: Int
    /// Every entry of /proc/<pid>/fd.
    var descriptors: Int
    /// The socket entries among them.
    var sockets: Int
    /// Unix sockets: the control socket's listener and every till connection.
    var unixSockets: Int

    /// The other sockets: the connections to Vipps (here the simulator), which its HTTP client pools as it likes.
    var otherSockets: Int { self.sockets - self.unixSockets }
    /// Files, pipes, event descriptors: must not move at all.
    var nonSockets: Int { self.descriptors - self.sockets }

    struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    static func read(pid: pid_t) throws -> DaemonFootprint {
        let status = try Self.contents(of: "/proc/\(pid)/status")
        func field(_ name: String) throws -> Int {
            guard
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }),
                let value = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({
                    Int($0)
                })
            else { throw Unreadable(description: "no \(name) for \(pid)") }
            return value
        }
        let kib = try field("VmRSS")
        let threads = try field("Threads")

        let directory = "/proc/\(pid)/fd"
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        var socketInodes: [Substring] = []
        for entry in entries {
            // An entry can vanish between the listing and the link being read.
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(entry)")
            else { continue }
            if target.hasPrefix("socket:[") {
                socketInodes.append(target.dropFirst("socket:[".count).dropLast())
            }
        }
        // Column 7 of /proc/net/unix is the inode.
        var unix = Set<Substring>()
        for row in try Self.contents(of: "/proc/\(pid)/net/unix").split(separator: "\n").dropFirst() {
            let fields = row.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count > 6 { unix.insert(fields[6]) }
        }
        return DaemonFootprint(
            residentKiB: kib,
            threads: threads,
            descriptors: entries.count,
            sockets: socketInodes.count,
            unixSockets: socketInodes.filter { unix.contains($0) }.count
        )
    }

    var description: String {
        String(format: "%.1f MiB, %d fds, %d threads", Double(self.residentKiB) / 1024, self.descriptors, self.threads)
    }

    /// A /proc file in one read(2) where it fits: a table read in pieces can skip rows that move meanwhile.
    private static func contents(of path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Unreadable(description: "\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        while true {
            let count = Glibc.read(fd, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
