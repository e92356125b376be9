import CQREncode

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How much of the code may be damaged and still scan. Higher levels make a denser code.
public enum ErrorCorrection: String, Sendable, CaseIterable, Codable {
    /// About 7 % of the code can be restored.
    case low = "L"
    /// About 15 %: the default, a good match for a clean screen.
    case medium = "M"
    /// About 25 %.
    case quartile = "Q"
    /// About 30 %.
    case high = "H"

    var cValue: QRecLevel {
        switch self {
        case .low: QR_ECLEVEL_L
        case .medium: QR_ECLEVEL_M
        case .quartile: QR_ECLEVEL_Q
        case .high: QR_ECLEVEL_H
        }
    }
}

/// A QR symbol: a square of dark and light modules, without the quiet zone.
public struct QRCode: Sendable, Hashable {
    /// The QR version, 1...40; the symbol is `17 + 4 * version` modules wide.
    public let version: Int
    /// Modules per side.
    public let width: Int
    /// `width * width` bytes in rows, 1 for a dark module and 0 for a light one.
    public let modules: [UInt8]

    /// The largest text any QR code holds is 7089 digits; nothing longer is worth handing to the encoder.
    static let maximumTextBytes = 7089

    /// Encodes `text` as a QR symbol.
    ///
    /// libqrencode splits the text into numeric, alphanumeric and byte segments by itself and picks the
    /// smallest version that holds them, so digits and upper-case runs cost less than bytes. Case is
    /// kept: changing it would change what the phone reads.
    ///
    /// - Throws: ``QRRenderingError`` with ``QRRenderingError/Code/emptyText``,
    ///   ``QRRenderingError/Code/textContainsNUL`` or ``QRRenderingError/Code/textTooLong``.
    public init(text: String, errorCorrection: ErrorCorrection = .medium) throws(QRRenderingError) {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty else {
            throw QRRenderingError(code: .emptyText, message: "Cannot draw a QR code of empty text.")
        }
        guard !utf8.contains(0) else {
            throw QRRenderingError(
                code: .textContainsNUL,
                message: "The text contains a NUL byte, which cannot be put in a QR code."
            )
        }
        guard utf8.count <= Self.maximumTextBytes else {
            throw Self.tooLong(byteCount: utf8.count, errorCorrection: errorCorrection)
        }
        errno = 0
        let encoded = text.withCString { QRcode_encodeString($0, 0, errorCorrection.cValue, QR_MODE_8, 1) }
        guard let encoded else {
            if errno == ERANGE || errno == EINVAL {
                throw Self.tooLong(byteCount: utf8.count, errorCorrection: errorCorrection)
            }
            throw QRRenderingError(code: .encodingFailed, message: "libqrencode failed (errno \(errno)).")
        }
        defer { QRcode_free(encoded) }
        let width = Int(encoded.pointee.width)
        self.version = Int(encoded.pointee.version)
        self.width = width
        let data = UnsafeBufferPointer(start: encoded.pointee.data, count: width * width)
        self.modules = data.map { $0 & 1 }
    }

    private static func tooLong(byteCount: Int, errorCorrection: ErrorCorrection) -> QRRenderingError {
        QRRenderingError(
            code: .textTooLong,
            message:
                "The text (\(byteCount) bytes) does not fit in any QR code at error-correction level "
                + "\(errorCorrection.rawValue); use a lower level or a shorter text."
        )
    }

    /// Whether the module at column `x`, row `y` is dark.
    public func isDark(x: Int, y: Int) -> Bool {
        self.modules[y * self.width + x] != 0
    }
}
