import Foundation
import SystemdSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The control socket's file: what to do with an old one before binding, its mode after, and removing it on exit
/// without removing a newer daemon's socket.
enum SocketFile {
    /// Which file this is (device and inode), so the one we bound is the one we remove.
    struct Identity: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
    }

    /// Removes a socket left behind by a daemon that is gone; refuses if something still listens on it, or if the
    /// path is not a socket at all.
    static func removeStale(at path: String) throws(ControlServerError) {
        // FileManager reads the file itself (lstat), not what a symbolic link there points to.
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile || error.code == .fileNoSuchFile {
            return
        } catch {
            throw ControlServerError(code: .socketSetupFailed, message: "Cannot inspect \(path): \(error).")
        }
        guard attributes[.type] as? FileAttributeType == .typeSocket else {
            throw ControlServerError(
                code: .pathNotASocket,
                message: "\(path) exists and is not a socket; qrpayd leaves it alone. Remove it or choose another path."
            )
        }
        switch UnixSocketProbe.probe(path) {
        case .listening:
            throw ControlServerError(
                code: .socketInUse,
                message: "Another process is listening on \(path); is qrpayd already running?"
            )
        case .stale:
            guard unlink(path) == 0 || errno == ENOENT else {
                throw ControlServerError(
                    code: .socketSetupFailed,
                    message: "Cannot remove \(path): \(Self.lastError())."
                )
            }
        case .failed(let reason):
            throw ControlServerError(code: .socketSetupFailed, message: "Cannot check \(path): \(reason).")
        }
    }

    static func setMode(_ mode: UInt32, at path: String) throws(ControlServerError) {
        guard chmod(path, mode_t(mode)) == 0 else {
            throw ControlServerError(
                code: .socketSetupFailed,
                message: "Cannot set mode \(String(mode, radix: 8)) on \(path): \(Self.lastError())."
            )
        }
    }

    static func identity(of path: String) -> Identity? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let device = attributes[.systemNumber] as? NSNumber,
            let inode = attributes[.systemFileNumber] as? NSNumber
        else { return nil }
        return Identity(device: device.uint64Value, inode: inode.uint64Value)
    }

    /// Unlinks `path` if it is still the socket this process bound.
    static func remove(_ path: String, ifStill identity: Identity?) {
        guard let identity, Self.identity(of: path) == identity else { return }
        unlink(path)
    }

    /// Checks that a descriptor handed over by the service manager is a listening Unix stream socket, so a wrong
    /// `--control-fd` or socket unit fails at start-up with a message instead of later.
    static func checkInherited(_ fd: Int32) throws(ControlServerError) {
        // getsockopt fails with ENOTSOCK on anything but a socket.
        guard fd >= 0, Self.socketOption(fd, SO_TYPE) != nil else {
            throw ControlServerError(
                code: .invalidInheritedSocket,
                message: "File descriptor \(fd) is not a socket; check the ListenStream= of qrpayd.socket."
            )
        }
        let domain = Self.socketOption(fd, SO_DOMAIN)
        let type = Self.socketOption(fd, SO_TYPE)
        let listening = Self.socketOption(fd, SO_ACCEPTCONN)
        guard domain == AF_UNIX, type == Int32(SOCK_STREAM.rawValue), listening == 1 else {
            throw ControlServerError(
                code: .invalidInheritedSocket,
                message:
                    "File descriptor \(fd) is not a listening Unix stream socket; qrpayd.socket needs ListenStream=PATH."
            )
        }
    }

    // MARK: Helpers

    private static func socketOption(_ fd: Int32, _ name: Int32) -> Int32? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, name, &value, &length) == 0 else { return nil }
        return value
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
