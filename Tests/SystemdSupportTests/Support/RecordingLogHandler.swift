import Logging
import Synchronization

/// Keeps every log event so tests can check what was logged and how often.
struct RecordingLogHandler: LogHandler {
    final class Storage: Sendable {
        private let events = Mutex<[(level: Logger.Level, message: String)]>([])

        func append(_ level: Logger.Level, _ message: String) {
            self.events.withLock { $0.append((level, message)) }
        }

        func messages(at level: Logger.Level) -> [String] {
            self.events.withLock { events in events.filter { $0.level == level }.map(\.message) }
        }
    }

    let storage: Storage
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        self.storage.append(event.level, event.message.description)
    }
}

extension Logger {
    /// A logger whose events land in `storage`.
    static func recording(into storage: RecordingLogHandler.Storage) -> Logger {
        Logger(label: "test") { _ in RecordingLogHandler(storage: storage) }
    }
}
