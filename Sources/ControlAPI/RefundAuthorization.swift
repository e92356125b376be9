import Foundation
import PaymentCore

#if canImport(Glibc)
    import Glibc
#endif

/// Who may refund: root, and members of the configured groups (by default `qrpay-refund`). Being in the socket's
/// group (`qrpay`) lets a till take payments; sending money back needs more.
///
/// The caller's groups are the ones its process has now (`/proc/<pid>/status`), plus the primary group the kernel
/// reported for the connection; where `/proc` hides other users' processes, the group database's list for the
/// caller's user is used instead.
struct RefundAuthorization: Sendable {
    var groups: [String]

    func check(_ caller: Caller) throws(PaymentProblem) {
        guard let uid = caller.uid else {
            // Credentials could not be read: nothing proves the caller may send money back.
            throw Self.refused("qrpayd could not tell who is asking (no SO_PEERCRED credentials).")
        }
        if uid == 0 { return }
        let allowed = Set(self.groups.compactMap(Self.groupID))
        let callerGroups = Self.groups(of: caller)
        guard allowed.isDisjoint(with: callerGroups) else { return }
        let names = self.groups.isEmpty ? "none configured" : self.groups.joined(separator: ", ")
        throw Self.refused(
            "Refunds need root or membership of one of these groups: \(names) (payment.refunds.allowedGroups); "
                + "uid \(uid) is not a member."
        )
    }

    private static func refused(_ detail: String) -> PaymentProblem {
        PaymentProblem(.refundNotAllowed, title: "Not allowed to refund", detail: detail)
    }

    static func groupID(_ name: String) -> gid_t? {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        let status = getgrnam_r(name, &group, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return group.gr_gid
    }

    static func groups(of caller: Caller) -> Set<gid_t> {
        var groups: Set<gid_t> = []
        if let gid = caller.gid { groups.insert(gid) }
        if let pid = caller.pid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Groups:") })
        {
            for field in line.dropFirst("Groups:".count).split(separator: " ") {
                if let gid = gid_t(field.trimmingCharacters(in: .whitespaces)) { groups.insert(gid) }
            }
            return groups
        }
        if let uid = caller.uid { groups.formUnion(self.databaseGroups(of: uid, primary: caller.gid ?? 0)) }
        return groups
    }

    private static func databaseGroups(of uid: uid_t, primary: gid_t) -> Set<gid_t> {
        var user = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        guard getpwuid_r(uid, &user, &buffer, buffer.count, &result) == 0, result != nil, let name = user.pw_name
        else { return [] }
        var count: Int32 = 64
        var list = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, primary, &list, &count) < 0 {
            list = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, primary, &list, &count) >= 0 else { return [] }
        }
        return Set(list.prefix(Int(count)))
    }
}
