import Foundation
import SystemdSupport

/// Where `qrpayd --demo` keeps its control socket and state, so `qrpayctl` can point at a running demo without
/// linking the demo itself.
package enum DemoLocation {
    /// The demo's directory: its control socket, and one state directory per running demo.
    package static var directory: String {
        FileManager.default.temporaryDirectory.appendingPathComponent("qrpayd-demo").path
    }

    /// The demo's control socket: a fixed path, so the README's commands work as written.
    package static var socketPath: String { (Self.directory as NSString).appendingPathComponent("control.sock") }

    /// Whether a demo (or anything) listens on the demo's socket.
    package static func isRunning() -> Bool {
        UnixSocketProbe.isListening(Self.socketPath)
    }

    /// Whether a demo seems to be around: something listens on its socket, or its directory exists.
    package static func seemsPresent() -> Bool {
        Self.isRunning() || FileManager.default.fileExists(atPath: Self.directory)
    }
}
