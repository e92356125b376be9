import Foundation
import SystemdSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Where `qrpayd --demo` keeps its control socket and state, so `qrpayctl` can point at a running demo without
/// linking the demo itself.
///
/// The directory is per user (`$TMPDIR/qrpayd-demo-<uid>`) and the demo only uses it when it is a real directory of
/// its own user that nobody else may enter: on a shared `/tmp` another user could otherwise create it first (or a
/// symbolic link by that name) and sit between the till and the demo's socket.
package enum DemoLocation {
    /// The demo's directory: its control socket, and one state directory per running demo.
    package static var directory: String {
        FileManager.default.temporaryDirectory.appendingPathComponent("qrpayd-demo-\(getuid())").path
    }

    /// The demo's control socket: a fixed path for each user, so the README's commands work as written.
    package static var socketPath: String { (Self.directory as NSString).appendingPathComponent("control.sock") }

    /// Whether a demo (or anything) listens on the demo's socket.
    package static func isRunning() -> Bool {
        UnixSocketProbe.isListening(Self.socketPath)
    }

    /// Whether a demo seems to be around: something listens on its socket, or its directory exists.
    package static func seemsPresent() -> Bool {
        Self.isRunning() || FileManager.default.fileExists(atPath: Self.directory)
    }

    /// A demo directory that is not safe to use, and why.
    package struct UnsafeDirectory: Error, CustomStringConvertible {
        package let path: String
        package let reason: String

        package var description: String {
            "the demo's directory \(self.path) \(self.reason); another user may have made it to intercept the demo. "
                + "Remove it if it is yours, or run the demo with another TMPDIR (e.g. TMPDIR=$XDG_RUNTIME_DIR)."
        }
    }

    /// Creates the demo's directory (mode 0700), or checks that the one there is this user's own: a directory, not a
    /// symbolic link, owned by this user, with no access for group or others.
    ///
    /// - Throws: ``UnsafeDirectory`` when it is not, or the `mkdir` error.
    @discardableResult
    package static func prepareDirectory(at path: String = DemoLocation.directory) throws -> String {
        if mkdir(path, 0o700) != 0 {
            let error = errno
            guard error == EEXIST else {
                throw UnsafeDirectory(path: path, reason: "cannot be created (\(String(cString: strerror(error))))")
            }
        }
        var status = stat()
        guard lstat(path, &status) == 0 else {
            throw UnsafeDirectory(path: path, reason: "cannot be examined (\(String(cString: strerror(errno))))")
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw UnsafeDirectory(path: path, reason: "is not a directory (a symbolic link or a file)")
        }
        guard status.st_uid == getuid() else {
            throw UnsafeDirectory(path: path, reason: "belongs to uid \(status.st_uid), not to you (uid \(getuid()))")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw UnsafeDirectory(
                path: path,
                reason: "is open to others (mode \(String(status.st_mode & 0o777, radix: 8)), not 700)"
            )
        }
        return path
    }
}
