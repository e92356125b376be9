import CQRPNG

/// An sRGB colour, 8 bits a channel.
public struct RGBColor: Sendable, Hashable, Codable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let black = RGBColor(red: 0, green: 0, blue: 0)
    public static let white = RGBColor(red: 255, green: 255, blue: 255)

    /// Parses `#RRGGBB` or `RRGGBB`.
    public init?(hex: String) {
        let digits = hex.hasPrefix("#") ? hex.dropFirst() : Substring(hex)
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else { return nil }
        self.init(red: UInt8(value >> 16), green: UInt8((value >> 8) & 0xFF), blue: UInt8(value & 0xFF))
    }

    var packed: UInt32 { UInt32(self.red) << 16 | UInt32(self.green) << 8 | UInt32(self.blue) }
}

/// How to turn a ``QRCode`` into pixels.
public struct QRRenderOptions: Sendable, Hashable {
    /// How big the image is.
    public enum Size: Sendable, Hashable {
        /// Each module is this many pixels wide.
        case moduleSize(Int)
        /// The largest whole module size whose image, quiet zone included, is at most this many pixels wide.
        case targetWidth(Int)
    }

    /// The smallest quiet zone the QR standard allows, in modules.
    public static let minimumQuietZone = 4
    /// Limits that keep a typo from allocating gigabytes.
    public static let moduleSizeRange = 1...100
    public static let maximumImageWidth = 8192
    public static let maximumQuietZone = 40

    public var errorCorrection: ErrorCorrection
    public var size: Size
    /// Light border around the symbol, in modules; never less than ``minimumQuietZone``.
    public var quietZone: Int
    public var foreground: RGBColor
    public var background: RGBColor

    public init(
        errorCorrection: ErrorCorrection = .medium,
        size: Size = .moduleSize(10),
        quietZone: Int = QRRenderOptions.minimumQuietZone,
        foreground: RGBColor = .black,
        background: RGBColor = .white
    ) {
        self.errorCorrection = errorCorrection
        self.size = size
        self.quietZone = quietZone
        self.foreground = foreground
        self.background = background
    }
}

/// A rendered QR code.
public struct QRImage: Sendable {
    /// The PNG file's bytes.
    public let png: [UInt8]
    /// The symbol that was drawn.
    public let code: QRCode
    /// Pixels per module.
    public let moduleSize: Int
    /// Quiet zone in modules.
    public let quietZone: Int
    /// Image width and height in pixels.
    public var pixelWidth: Int { (self.code.width + 2 * self.quietZone) * self.moduleSize }
}

/// Draws QR codes as 1-bit PNG images with libqrencode and libpng.
public enum QRRenderer {
    /// Encodes `text` and draws it as a PNG.
    ///
    /// - Throws: ``QRRenderingError`` for empty text, NUL bytes, text too long for any QR version,
    ///   and sizes or quiet zones outside ``QRRenderOptions``' limits.
    public static func render(_ text: String, options: QRRenderOptions = QRRenderOptions()) throws(QRRenderingError)
        -> QRImage
    {
        try self.validateQuietZone(options.quietZone)
        if case .moduleSize(let size) = options.size { try self.validateModuleSize(size) }
        let code = try QRCode(text: text, errorCorrection: options.errorCorrection)
        return try self.render(code, options: options)
    }

    /// Draws an already encoded symbol as a PNG.
    public static func render(_ code: QRCode, options: QRRenderOptions = QRRenderOptions()) throws(QRRenderingError)
        -> QRImage
    {
        try self.validateQuietZone(options.quietZone)
        let sideModules = code.width + 2 * options.quietZone
        let moduleSize: Int
        switch options.size {
        case .moduleSize(let size):
            moduleSize = size
        case .targetWidth(let width):
            guard width >= sideModules, width <= QRRenderOptions.maximumImageWidth else {
                throw QRRenderingError(
                    code: .invalidSize,
                    message:
                        "A target width of \(width) px cannot hold this code: it needs at least \(sideModules) px "
                        + "and at most \(QRRenderOptions.maximumImageWidth) px is allowed."
                )
            }
            moduleSize = width / sideModules
        }
        try self.validateModuleSize(moduleSize)
        guard sideModules * moduleSize <= QRRenderOptions.maximumImageWidth else {
            throw QRRenderingError(
                code: .invalidSize,
                message:
                    "The image would be \(sideModules * moduleSize) px wide; at most "
                    + "\(QRRenderOptions.maximumImageWidth) px is allowed. Use a smaller module size."
            )
        }

        var cOptions = cqrpng_options(
            width: UInt32(code.width),
            scale: UInt32(moduleSize),
            margin: UInt32(options.quietZone),
            dark_rgb: options.foreground.packed,
            light_rgb: options.background.packed,
            compression_level: -1
        )
        var buffer = cqrpng_buffer(bytes: nil, count: 0, capacity: 0)
        var message = [CChar](repeating: 0, count: 256)
        let status = code.modules.withUnsafeBufferPointer { modules in
            message.withUnsafeMutableBufferPointer { messageBuffer in
                cqrpng_write(modules.baseAddress, &cOptions, &buffer, messageBuffer.baseAddress, messageBuffer.count)
            }
        }
        defer { cqrpng_buffer_free(&buffer) }
        guard status == Int32(CQRPNG_OK), let bytes = buffer.bytes else {
            let reason = message.withUnsafeBufferPointer { pointer in
                pointer.baseAddress.map { String(cString: $0) } ?? ""
            }
            throw QRRenderingError(
                code: .pngFailed,
                message: "libpng could not write the image (code \(status))\(reason.isEmpty ? "" : ": \(reason)")."
            )
        }
        let png = Array(UnsafeBufferPointer(start: bytes, count: buffer.count))
        return QRImage(png: png, code: code, moduleSize: moduleSize, quietZone: options.quietZone)
    }

    private static func validateQuietZone(_ quietZone: Int) throws(QRRenderingError) {
        guard quietZone >= QRRenderOptions.minimumQuietZone, quietZone <= QRRenderOptions.maximumQuietZone else {
            throw QRRenderingError(
                code: .invalidQuietZone,
                message:
                    "The quiet zone must be \(QRRenderOptions.minimumQuietZone)...\(QRRenderOptions.maximumQuietZone) "
                    + "modules (got \(quietZone)); scanners need at least 4."
            )
        }
    }

    private static func validateModuleSize(_ size: Int) throws(QRRenderingError) {
        guard QRRenderOptions.moduleSizeRange.contains(size) else {
            throw QRRenderingError(
                code: .invalidSize,
                message:
                    "The module size must be \(QRRenderOptions.moduleSizeRange.lowerBound)..."
                    + "\(QRRenderOptions.moduleSizeRange.upperBound) px (got \(size))."
            )
        }
    }
}
