/// Why the control server could not start.
public struct ControlServerError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case socketInUse
            case pathNotASocket
            case socketSetupFailed
            case invalidInheritedSocket
            case documentUnreadable
        }

        private let base: Base

        /// Another process is listening on the socket path (a second qrpayd?).
        public static let socketInUse = Code(base: .socketInUse)
        /// Something that is not a socket sits at the socket path; it is left alone.
        public static let pathNotASocket = Code(base: .pathNotASocket)
        /// Binding, or setting the mode of, the socket failed.
        public static let socketSetupFailed = Code(base: .socketSetupFailed)
        /// The descriptor handed over is not a listening Unix stream socket.
        public static let invalidInheritedSocket = Code(base: .invalidInheritedSocket)
        /// The OpenAPI document built into the binary cannot be read (a broken build).
        public static let documentUnreadable = Code(base: .documentUnreadable)

        public var description: String { "\(self.base)" }
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { self.message }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(self.code) }
}
