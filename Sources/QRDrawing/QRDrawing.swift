package import QRRendering

#if canImport(Glibc)
    import Glibc
#endif

/// One `qrpayctl qr` request in the words of its command line: checked, drawn and written here, whichever way the
/// command runs (qrpayctl's own fast path, or ArgumentParser's `QRCommand` in qrpayctl-commands).
package struct QRDrawing: Sendable {
    package static let defaultLevel = "M"
    package static let defaultModuleSize = 10
    package static let defaultForeground = "#000000"
    package static let defaultBackground = "#FFFFFF"

    /// A request that cannot be drawn as given: the message says what to change.
    package struct Invalid: Error, Sendable, CustomStringConvertible {
        package var description: String
    }

    package var text: String
    /// A file path, or `-` for standard output.
    package var output: String
    package var level = Self.defaultLevel
    package var moduleSize: Int?
    package var width: Int?
    package var quietZone = QRRenderOptions.minimumQuietZone
    package var foreground = Self.defaultForeground
    package var background = Self.defaultBackground

    package init(text: String, output: String) {
        self.text = text
        self.output = output
    }

    /// The renderer's options, or what is wrong with the request.
    package func renderOptions() throws(Invalid) -> QRRenderOptions {
        guard !self.output.isEmpty else {
            throw Invalid(description: "--output needs a file name, or - for standard output.")
        }
        guard let level = ErrorCorrection(rawValue: self.level.uppercased()) else {
            throw Invalid(description: "--level must be one of L, M, Q, H.")
        }
        guard let foreground = RGBColor(hex: self.foreground), let background = RGBColor(hex: self.background) else {
            throw Invalid(description: "Colours are written #RRGGBB, for example #000000.")
        }
        if self.moduleSize != nil, self.width != nil {
            throw Invalid(description: "Give either --module-size or --width, not both.")
        }
        let size: QRRenderOptions.Size =
            self.width.map { .targetWidth($0) } ?? .moduleSize(self.moduleSize ?? Self.defaultModuleSize)
        return QRRenderOptions(
            errorCorrection: level,
            size: size,
            quietZone: self.quietZone,
            foreground: foreground,
            background: background
        )
    }

    /// Draws the code and writes the PNG. Returns the line that tells a person what was written, or nil when the
    /// picture itself went to standard output. Throws `Invalid` for a request the renderer refuses and
    /// `FileOutput.WriteError` when the file cannot be written (nothing is left behind then).
    package func draw() throws -> String? {
        let options = try self.renderOptions()
        let image: QRImage
        do {
            image = try QRRenderer.render(self.text, options: options)
        } catch {
            throw Invalid(description: error.message)
        }
        try FileOutput.save(image.png, to: self.output)
        guard self.output != "-" else { return nil }
        return "Wrote \(self.output): version \(image.code.version), \(image.code.width)×\(image.code.width) modules, "
            + "\(image.pixelWidth)×\(image.pixelWidth) px, \(image.png.count) bytes."
    }
}

/// Writes bytes to a file (mode 0644, replaced atomically) or to standard output.
package enum FileOutput {
    package struct WriteError: Error, CustomStringConvertible {
        package var description: String
    }

    package static func save(_ bytes: [UInt8], to path: String) throws(WriteError) {
        if path == "-" {
            try self.writeAll(bytes, to: STDOUT_FILENO, path: "standard output")
            return
        }
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw WriteError(description: "Cannot create \(path): \(String(cString: strerror(errno))).")
        }
        do {
            try self.writeAll(bytes, to: fd, path: path)
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw WriteError(description: "Cannot write \(path): \(reason).")
        }
    }

    /// Writes a line of text (a newline is added) to a file descriptor, without the runtime look-ups `print` makes.
    package static func writeLine(_ line: String, to fd: Int32) throws(WriteError) {
        try self.writeAll(Array((line + "\n").utf8), to: fd, path: fd == STDOUT_FILENO ? "standard output" : "\(fd)")
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(WriteError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw WriteError(description: "Cannot write \(path): \(String(cString: strerror(errno))).")
            }
            offset += written
        }
    }
}
