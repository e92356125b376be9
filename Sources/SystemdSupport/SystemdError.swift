/// The one error type of this module: what failed (an opaque, extensible ``Code``) and a message for an operator.
///
/// Equality looks at the code only, so callers can match on `error.code == .wouldBlock` while the message
/// keeps the details (paths, errno text) that a person needs.
public struct SystemdError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes can be added without breaking callers' `switch`es.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case invalidAddress
            case socketUnavailable
            case messageTooLarge
            case wouldBlock
            case sendFailed
            case invalidEnvironment
            case invalidActivatedSocket
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// A socket address that is empty, too long for `sockaddr_un`, or contains a NUL byte.
        public static let invalidAddress = Code(.invalidAddress)
        /// `socket(2)` failed, usually because the process ran out of file descriptors.
        public static let socketUnavailable = Code(.socketUnavailable)
        /// The datagram is larger than the kernel accepts (`EMSGSIZE`).
        public static let messageTooLarge = Code(.messageTooLarge)
        /// The receiver's queue is full (`EAGAIN`); sending again later may work.
        public static let wouldBlock = Code(.wouldBlock)
        /// Any other `sendto(2)` failure, for example no one listening on the path.
        public static let sendFailed = Code(.sendFailed)
        /// A systemd environment variable is set but does not parse.
        public static let invalidEnvironment = Code(.invalidEnvironment)
        /// A socket-activation file descriptor is not a listening Unix stream socket.
        public static let invalidActivatedSocket = Code(.invalidActivatedSocket)

        public var description: String {
            switch self.base {
            case .invalidAddress: "invalidAddress"
            case .socketUnavailable: "socketUnavailable"
            case .messageTooLarge: "messageTooLarge"
            case .wouldBlock: "wouldBlock"
            case .sendFailed: "sendFailed"
            case .invalidEnvironment: "invalidEnvironment"
            case .invalidActivatedSocket: "invalidActivatedSocket"
            }
        }
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public static func == (lhs: SystemdError, rhs: SystemdError) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.code)
    }

    public var description: String {
        "SystemdError.\(self.code): \(self.message)"
    }
}
