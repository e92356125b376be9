/// Why a QR code could not be drawn. Every bad input ends here, never in a crash.
public struct QRRenderingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable code to switch on; ``message`` is for people and may change.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case emptyText, textContainsNUL, textTooLong, invalidSize, invalidQuietZone, encodingFailed, pngFailed
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The text to encode is empty.
        public static let emptyText = Code(.emptyText)
        /// The text contains a NUL byte, which a QR payload handed to libqrencode as C text cannot carry.
        public static let textContainsNUL = Code(.textContainsNUL)
        /// The text does not fit in the largest QR code (version 40) at the chosen error-correction level.
        public static let textTooLong = Code(.textTooLong)
        /// The module size or target image size is outside what a screen or printer can use.
        public static let invalidSize = Code(.invalidSize)
        /// The quiet zone is narrower than the 4 modules scanners need, or absurdly wide.
        public static let invalidQuietZone = Code(.invalidQuietZone)
        /// libqrencode failed for another reason (for example out of memory).
        public static let encodingFailed = Code(.encodingFailed)
        /// libpng failed to write the image.
        public static let pngFailed = Code(.pngFailed)

        public var description: String { self.base.rawValue }
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { self.message }
}
