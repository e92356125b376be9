import Glibc

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    package import Foundation
#endif

/// Tells systemd about the daemon's state (sd_notify(3)) without libsystemd.
///
/// systemd passes `$NOTIFY_SOCKET` (a path, or `@name` for an abstract socket) to `Type=notify` services; each
/// notification is one datagram of newline-separated `KEY=value` assignments. When the variable is unset, for
/// example when the daemon runs from a terminal, every call is a no-op.
///
/// Notifications never throw: systemd not hearing one status line must never stop a payment. The `Bool` the
/// calls return says whether the datagram left, for tests and for callers that want to log it.
package struct ServiceManagerNotifier: Sendable {
    private let socketPath: String?
    private let socket: UnixDatagramSocket?

    /// How often systemd expects `WATCHDOG=1` at the latest (`WATCHDOG_USEC`), or `nil` when no watchdog is set
    /// for this process. Ping at half this interval.
    package let watchdogInterval: Duration?

    /// Whether systemd is listening, i.e. `$NOTIFY_SOCKET` is set and a socket could be opened.
    package var isEnabled: Bool {
        self.socketPath != nil && self.socket != nil
    }

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    ///
    /// - Parameters:
    ///   - environment: The process environment; tests pass their own.
    ///   - processID: This process's id: a watchdog meant for another process (`WATCHDOG_PID`) is ignored.
    package init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        processID: Int32 = getpid()
    ) {
        if let path = environment["NOTIFY_SOCKET"], path.hasPrefix("/") || path.hasPrefix("@") {
            self.socketPath = path
            self.socket = try? UnixDatagramSocket()
        } else {
            // Unset, or an address family this implementation does not speak (e.g. `vsock:`).
            self.socketPath = nil
            self.socket = nil
        }
        self.watchdogInterval = Self.watchdogInterval(environment: environment, processID: processID)
    }

    /// Sends `assignments` (each `KEY=value`) as one notification.
    ///
    /// Newlines inside an assignment are replaced by spaces, so text that came from outside (a payment
    /// reference in a status line) cannot smuggle in an extra assignment such as `READY=1`.
    @discardableResult
    package func notify(_ assignments: String...) -> Bool {
        self.send(assignments)
    }

    /// `READY=1`, with an optional status line in the same datagram so `systemctl status` never shows a stale one.
    @discardableResult
    package func ready(status: String? = nil) -> Bool {
        self.send(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? []))
    }

    /// A free-form status line shown by `systemctl status`.
    @discardableResult
    package func status(_ text: String) -> Bool {
        self.send(["STATUS=\(text)"])
    }

    /// Tells systemd that the daemon began shutting down on its own accord or on request.
    @discardableResult
    package func stopping() -> Bool {
        self.send(["STOPPING=1"])
    }

    /// Resets the watchdog timer. Send only after checking that the work loop is alive (see ``WatchdogService``).
    @discardableResult
    package func watchdog() -> Bool {
        self.send(["WATCHDOG=1"])
    }

    /// Asks systemd for more time in the current start-up or shutdown phase (`EXTEND_TIMEOUT_USEC`), e.g. while
    /// recovery replays a long payment journal.
    @discardableResult
    package func extendTimeout(by duration: Duration) -> Bool {
        self.send(["EXTEND_TIMEOUT_USEC=\(Self.microseconds(duration))"])
    }

    private func send(_ assignments: [String]) -> Bool {
        guard let socketPath = self.socketPath, let socket = self.socket, !assignments.isEmpty else {
            return false
        }
        let message = assignments.map(Self.singleLine).joined(separator: "\n")
        do {
            try socket.send(Array(message.utf8), to: socketPath)
            return true
        } catch {
            // A lost notification is not worth failing for; systemd's own timeouts catch a daemon gone silent.
            return false
        }
    }

    private static func singleLine(_ assignment: String) -> String {
        var line = ""
        line.unicodeScalars.reserveCapacity(assignment.unicodeScalars.count)
        for scalar in assignment.unicodeScalars {
            switch scalar {
            case "\n", "\r", "\0": line.unicodeScalars.append(" ")
            default: line.unicodeScalars.append(scalar)
            }
        }
        return line
    }

    private static func watchdogInterval(environment: [String: String], processID: Int32) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0 else {
            return nil
        }
        if let owner = environment["WATCHDOG_PID"] {
            guard let ownerID = Int32(owner), ownerID == processID else { return nil }
        }
        return .microseconds(microseconds)
    }

    private static func microseconds(_ duration: Duration) -> Int64 {
        guard duration > .zero else { return 0 }
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        return overflow ? .max : scaled + attoseconds / 1_000_000_000_000
    }
}
