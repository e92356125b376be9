import NIOCore
import PaymentCore

#if canImport(Glibc)
    import Glibc
#endif

/// Who is on the other end of a Unix socket connection, as the kernel saw it at `connect` (`SO_PEERCRED`): the
/// journal then says which process created, captured, cancelled or refunded a payment.
enum PeerCredentials {
    /// Linux's `struct ucred` (`pid_t pid; uid_t uid; gid_t gid;`), which Glibc only exports with `_GNU_SOURCE`.
    /// Three 32-bit fields in this order have the same layout in Swift as in C.
    private struct KernelCredentials: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    static func caller(of channel: any Channel) async -> Caller {
        #if os(Linux)
            guard let provider = channel as? any SocketOptionProvider else { return Caller() }
            do {
                // Sound because KernelCredentials matches the type the kernel writes for SO_PEERCRED.
                let credentials: KernelCredentials = try await provider.unsafeGetSocketOption(
                    level: .socket,
                    name: NIOBSDSocket.Option(rawValue: SO_PEERCRED)
                ).get()
                return Caller(uid: credentials.uid, gid: credentials.gid, pid: credentials.pid)
            } catch {
                return Caller()
            }
        #else
            return Caller()
        #endif
    }
}
