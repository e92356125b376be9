import NIOCore
import PaymentCore

#if canImport(Glibc)
    import Glibc
#endif

/// Who is on the other end of a Unix socket connection, as the kernel recorded it at `connect`: uid, primary gid and
/// pid (`SO_PEERCRED`) and the supplementary groups (`SO_PEERGROUPS`). The journal then says which process created,
/// captured, cancelled or refunded a payment, and refunds are allowed by these groups.
///
/// Both come from the socket, never from `/proc/<pid>` (hidden by `ProtectProc=invisible`, and racy: the pid may be
/// gone or reused) nor from the group database (which knows what a user *would* get at login, not what the process
/// has). Under a user namespace (`PrivateUsers=yes`) the kernel maps every outside id to 65534, so the unit must not
/// set it.
enum PeerCredentials {
    /// Linux's `struct ucred` (`pid_t pid; uid_t uid; gid_t gid;`), which Glibc only exports with `_GNU_SOURCE`.
    /// Three 32-bit fields in this order have the same layout in Swift as in C.
    private struct KernelCredentials: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// `SO_PEERGROUPS` (Linux 4.13), which Glibc's Swift module does not export.
    static let peerGroupsOption: CInt = 59

    /// The most supplementary groups read. A caller with more gets `ERANGE` from the kernel, and its groups count as
    /// unknown (only its uid and primary group are then used).
    static let maximumGroups = 256

    /// Room for ``maximumGroups`` group ids. NIO reads a socket option into a value of a fixed size, zero-filled, and
    /// does not say how many bytes the kernel wrote; see ``groups(in:)``.
    private typealias GroupBuffer = InlineArray<256, UInt32>

    static func caller(of channel: any Channel) async -> Caller {
        #if os(Linux)
            guard let provider = channel as? any SocketOptionProvider else { return Caller() }
            let credentials: KernelCredentials
            do {
                // Sound because KernelCredentials matches the type the kernel writes for SO_PEERCRED.
                credentials = try await provider.unsafeGetSocketOption(
                    level: .socket,
                    name: NIOBSDSocket.Option(rawValue: SO_PEERCRED)
                ).get()
            } catch {
                return Caller()
            }
            var groups: [UInt32]?
            do {
                // Sound because the kernel writes an array of gid_t (UInt32), at most as long as the buffer.
                let buffer: GroupBuffer = try await provider.unsafeGetSocketOption(
                    level: .socket,
                    name: NIOBSDSocket.Option(rawValue: Self.peerGroupsOption)
                ).get()
                groups = Self.groups(in: buffer)
            } catch {
                groups = nil
            }
            return Caller(uid: credentials.uid, gid: credentials.gid, pid: credentials.pid, groups: groups)
        #else
            return Caller()
        #endif
    }

    /// The group ids in a zero-filled buffer the kernel wrote. The length the kernel wrote is lost, so an entry 0
    /// cannot be told from the padding: gid 0 (`root`) is never taken from the supplementary groups. Root's *user*
    /// may always refund, and a caller whose primary group is 0 is still seen as in it.
    private static func groups(in buffer: GroupBuffer) -> [UInt32] {
        var groups: [UInt32] = []
        for index in buffer.indices where buffer[index] != 0 {
            groups.append(buffer[index])
        }
        return groups
    }
}
