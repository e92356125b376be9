package import Logging

/// A swift-log backend that writes each entry to journald over its native protocol, as structured fields.
///
/// Metadata keys become journal fields (`payment.reference` → `PAYMENT_REFERENCE`), so an operator can run
/// `journalctl -u qrpayd PAYMENT_REFERENCE=…`. A `message_id` key becomes the entry's `MESSAGE_ID`, which links it
/// to the message catalog (`journalctl -x`). Values under secret-looking keys are replaced by `[redacted]`.
///
/// - Important: Logging never fails the caller and never waits for journald: an entry that cannot be sent at once
///   (journald gone, its queue full) is dropped. A lost line is the lesser evil.
package struct JournalLogHandler: LogHandler {
    /// Where journald listens for native-protocol datagrams.
    package static let defaultSocketPath = "/run/systemd/journal/socket"

    /// The value cap used when an entry is too large for one datagram and is sent again, smaller.
    static let fallbackMaximumValueSize = 4 * 1024

    /// Field names this handler writes itself; metadata normalising to one of them is prefixed with `METADATA_`
    /// so it cannot replace the message or the priority.
    private static let reservedFieldNames: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "SYSLOG_FACILITY", "SYSLOG_PID", "SYSLOG_TIMESTAMP",
        "CODE_FILE", "CODE_LINE", "CODE_FUNC", "LOGGER_LABEL",
    ]

    /// One socket for every logger in the process: a handler is created per `Logger`, and each must not cost a
    /// file descriptor.
    private static let sharedSocket: UnixDatagramSocket? = try? UnixDatagramSocket()

    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let identifier: String
    private let socketPath: String

    /// - Parameters:
    ///   - label: The `Logger`'s label, written as `LOGGER_LABEL`.
    ///   - identifier: The program name, written as `SYSLOG_IDENTIFIER` (what `journalctl -t` matches).
    ///   - socketPath: journald's socket; tests bind their own.
    ///   - metadataProvider: Contextual metadata added to every entry.
    package init(
        label: String,
        identifier: String,
        socketPath: String = JournalLogHandler.defaultSocketPath,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.identifier = identifier
        self.socketPath = socketPath
        self.metadataProvider = metadataProvider
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        guard let socket = Self.sharedSocket else { return }
        let entry = self.entry(for: event, maximumValueSize: JournalEntry.defaultMaximumValueSize)
        do {
            try socket.send(entry.encoded(), to: self.socketPath)
        } catch let error where error.code == .messageTooLarge {
            let smaller = self.entry(for: event, maximumValueSize: Self.fallbackMaximumValueSize)
            try? socket.send(smaller.encoded(), to: self.socketPath)
        } catch {
            // Dropped on purpose: see the type's documentation.
        }
    }

    private func entry(for event: LogEvent, maximumValueSize: Int) -> JournalEntry {
        var entry = JournalEntry(maximumValueSize: maximumValueSize)
        entry.append(validFieldName: "MESSAGE", event.message.description)
        entry.append(validFieldName: "PRIORITY", String(Self.priority(of: event.level)))
        entry.append(validFieldName: "SYSLOG_IDENTIFIER", self.identifier)
        entry.append(validFieldName: "CODE_FILE", event.file)
        entry.append(validFieldName: "CODE_LINE", String(event.line))
        entry.append(validFieldName: "CODE_FUNC", event.function)
        entry.append(validFieldName: "LOGGER_LABEL", self.label)

        let metadata = LogMetadataFields.merged(
            base: self.metadata,
            provider: self.metadataProvider,
            explicit: event.metadata,
            error: event.error
        )
        var hasMessageID = false
        for (key, value) in LogMetadataFields.flattened(metadata) {
            guard let name = JournalEntry.normalizedFieldName(key) else { continue }
            if name == "MESSAGE_ID" {
                // One valid id per entry; anything else would break `journalctl MESSAGE_ID=` and the catalog.
                if !hasMessageID, Self.isValidMessageID(value) {
                    hasMessageID = true
                    entry.append(validFieldName: name, value)
                }
            } else if SecretRedaction.isSecret(fieldName: name) {
                entry.append(validFieldName: name, SecretRedaction.placeholder)
            } else if Self.reservedFieldNames.contains(name) {
                entry.append("METADATA_\(name)", value)
            } else {
                entry.append(validFieldName: name, value)
            }
        }
        return entry
    }

    /// syslog priorities as journald stores them (`journalctl -p`).
    static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// A 128-bit id as 32 lower-case hex digits, the form `journalctl MESSAGE_ID=` and catalogs use.
    static func isValidMessageID(_ value: String) -> Bool {
        value.utf8.count == 32
            && value.utf8.allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            }
    }
}
