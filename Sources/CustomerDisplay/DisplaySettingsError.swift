/// A customer display setting that cannot work, with a message that says which one and what to change.
public struct DisplaySettingsError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of setting is wrong; compare codes, not messages.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case hostNotLoopback
            case invalidPort
            case invalidShopName
            case invalidAccentColor
            case invalidPaidScreenDuration
            case assetsMissing
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The page must only be reachable from the box itself.
        public static let hostNotLoopback = Code(.hostNotLoopback)
        public static let invalidPort = Code(.invalidPort)
        public static let invalidShopName = Code(.invalidShopName)
        public static let invalidAccentColor = Code(.invalidAccentColor)
        public static let invalidPaidScreenDuration = Code(.invalidPaidScreenDuration)
        /// Without the page files the kiosk would show a blank screen, so this is caught at start-up.
        public static let assetsMissing = Code(.assetsMissing)

        public var description: String { self.base.rawValue }
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(self.code): \(self.message)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.code)
    }
}
