import Glibc
package import Logging

/// A swift-log backend writing one line per entry to a file descriptor (stderr by default), for running outside
/// systemd or when stderr is not the journal:
///
///     2026-11-05T09:41:07.123Z info [qrpayd.payment] Payment captured payment.reference=acme-1 vipps.status=200
///
/// Values are escaped (see ``LogTextEscaping``) so nothing a till sends can forge a line, secret-looking keys are
/// redacted, and each line is a single `write(2)` so lines from concurrent tasks do not interleave.
package struct PlainLogHandler: LogHandler {
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let fileDescriptor: Int32

    /// - Parameters:
    ///   - label: The `Logger`'s label, shown in brackets.
    ///   - fileDescriptor: Where lines go; not closed by the handler.
    ///   - metadataProvider: Contextual metadata added to every line.
    package init(
        label: String,
        fileDescriptor: Int32 = STDERR_FILENO,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.fileDescriptor = fileDescriptor
        self.metadataProvider = metadataProvider
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var line = "\(LogTimestamp.now()) \(event.level.rawValue) [\(LogTextEscaping.escaped(self.label))] "
        line += LogTextEscaping.escaped(event.message.description)
        let metadata = LogMetadataFields.merged(
            base: self.metadata,
            provider: self.metadataProvider,
            explicit: event.metadata,
            error: event.error
        )
        for (key, value) in LogMetadataFields.flattened(metadata) {
            let shown = SecretRedaction.isSecret(metadataKey: key) ? SecretRedaction.placeholder : value
            line += " \(LogTextEscaping.token(key))=\(LogTextEscaping.token(shown))"
        }
        line += "\n"
        self.write(line)
    }

    private func write(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            var remaining = UnsafeRawBufferPointer(bytes)
            // One write(2) per line in practice; the loop only finishes a write the kernel cut short.
            while let base = remaining.baseAddress, !remaining.isEmpty {
                let written = Glibc.write(self.fileDescriptor, base, remaining.count)
                if written < 0 {
                    // EINTR: try again. Anything else (closed fd, full disk): drop the line, never fail the caller.
                    guard errno == EINTR else { return }
                    continue
                }
                remaining = UnsafeRawBufferPointer(rebasing: remaining[written...])
            }
        }
    }
}
