/// The one error type of this module: what failed (an opaque, extensible ``Code``) and a message for an operator.
///
/// Equality looks at the code only, so callers can match on `error.code == .wouldBlock` while the message
/// keeps the details (paths, errno text) that a person needs.
package struct SystemdError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes can be added without breaking callers' `switch`es.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
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
        package static let invalidAddress = Code(.invalidAddress)
        /// `socket(2)` failed, usually because the process ran out of file descriptors.
        package static let socketUnavailable = Code(.socketUnavailable)
        /// The datagram is larger than the kernel accepts (`EMSGSIZE`).
        package static let messageTooLarge = Code(.messageTooLarge)
        /// The receiver's queue is full (`EAGAIN`); sending again later may work.
        package static let wouldBlock = Code(.wouldBlock)
        /// Any other `sendto(2)` failure, for example no one listening on the path.
        package static let sendFailed = Code(.sendFailed)
        /// A systemd environment variable is set but does not parse.
        package static let invalidEnvironment = Code(.invalidEnvironment)
        /// A socket-activation file descriptor is not a listening Unix stream socket.
        package static let invalidActivatedSocket = Code(.invalidActivatedSocket)

        package var description: String {
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

    package var code: Code
    package var message: String

    package init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    package static func == (lhs: SystemdError, rhs: SystemdError) -> Bool {
        lhs.code == rhs.code
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(self.code)
    }

    package var description: String {
        "SystemdError.\(self.code): \(self.message)"
    }
}
