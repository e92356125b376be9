import Glibc
package import Logging
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    package import Foundation
#endif

/// Chooses where the daemon's logs go: journald's native protocol when systemd connected stderr to the journal,
/// one plain line per entry on stderr otherwise.
package enum LoggingBootstrap {
    private static let isBootstrapped = Mutex(false)

    /// The handler for a `Logger` labelled `label`.
    ///
    /// systemd sets `$JOURNAL_STREAM` to `<device>:<inode>` of the journal stream it gave the service. Checking it
    /// against stderr's own `fstat` (not only that the variable is set) keeps a child whose stderr was redirected
    /// from writing to the journal by mistake.
    ///
    /// - Parameters:
    ///   - label: The logger's label.
    ///   - identifier: The program name journald files the entries under (`SYSLOG_IDENTIFIER`).
    ///   - environment: The process environment.
    ///   - standardError: The descriptor to compare with `$JOURNAL_STREAM` and to write plain lines to.
    package static func makeLogHandler(
        label: String,
        identifier: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        standardError: Int32 = STDERR_FILENO
    ) -> any LogHandler {
        if self.isJournalStream(environment["JOURNAL_STREAM"], fileDescriptor: standardError) {
            return JournalLogHandler(label: label, identifier: identifier)
        }
        return PlainLogHandler(label: label, fileDescriptor: standardError)
    }

    /// Installs the process-wide log backend. For `main` only: tests create handlers directly.
    ///
    /// Calling it again does nothing (swift-log itself would trap).
    package static func bootstrap(identifier: String, logLevel: Logger.Level) {
        let isFirstCall = self.isBootstrapped.withLock { isBootstrapped in
            defer { isBootstrapped = true }
            return !isBootstrapped
        }
        guard isFirstCall else { return }
        let environment = ProcessInfo.processInfo.environment
        LoggingSystem.bootstrap { label in
            var handler = self.makeLogHandler(label: label, identifier: identifier, environment: environment)
            handler.logLevel = logLevel
            return handler
        }
    }

    static func isJournalStream(_ value: String?, fileDescriptor: Int32) -> Bool {
        guard let value else { return false }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(fileDescriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}
