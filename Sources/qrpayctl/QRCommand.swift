import ArgumentParser
import QRRendering

#if canImport(Glibc)
    import Glibc
#endif

/// `qrpayctl qr TEXT -o FILE.png`: draws a QR code by hand, with the same renderer the daemon uses.
struct QRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qr",
        abstract: "Draw TEXT as a QR code PNG (the same renderer the daemon uses)."
    )

    @Argument(help: "The text to encode, for example a https://qr.vipps.no/... URL.")
    var text: String

    @Option(name: .shortAndLong, help: "Where to write the PNG; '-' writes it to standard output.")
    var output: String

    @Option(help: "Error-correction level: L, M, Q or H.")
    var level: String = "M"

    @Option(help: "Pixels per module.")
    var moduleSize: Int?

    @Option(help: "Largest image width in pixels (instead of --module-size).")
    var width: Int?

    @Option(help: "Quiet zone in modules (at least 4).")
    var quietZone: Int = QRRenderOptions.minimumQuietZone

    @Option(help: "Dark colour as #RRGGBB.")
    var foreground: String = "#000000"

    @Option(help: "Light colour as #RRGGBB.")
    var background: String = "#FFFFFF"

    func run() throws {
        guard let level = ErrorCorrection(rawValue: self.level.uppercased()) else {
            throw ValidationError("--level must be one of L, M, Q, H.")
        }
        guard let foreground = RGBColor(hex: self.foreground), let background = RGBColor(hex: self.background) else {
            throw ValidationError("Colours are written #RRGGBB, for example #000000.")
        }
        if self.moduleSize != nil, self.width != nil {
            throw ValidationError("Give either --module-size or --width, not both.")
        }
        let size: QRRenderOptions.Size = self.width.map { .targetWidth($0) } ?? .moduleSize(self.moduleSize ?? 10)
        let options = QRRenderOptions(
            errorCorrection: level,
            size: size,
            quietZone: self.quietZone,
            foreground: foreground,
            background: background
        )
        let image: QRImage
        do {
            image = try QRRenderer.render(self.text, options: options)
        } catch {
            throw ValidationError(error.message)
        }
        try FileOutput.save(image.png, to: self.output)
        if self.output != "-" {
            print(
                "Wrote \(self.output): version \(image.code.version), \(image.code.width)×\(image.code.width) modules, "
                    + "\(image.pixelWidth)×\(image.pixelWidth) px, \(image.png.count) bytes."
            )
        }
    }
}

/// Writes bytes to a file (mode 0644, replaced atomically) or to standard output.
enum FileOutput {
    struct WriteError: Error, CustomStringConvertible {
        var description: String
    }

    static func save(_ bytes: [UInt8], to path: String) throws {
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

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws {
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
