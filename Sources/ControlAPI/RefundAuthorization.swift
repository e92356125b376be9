import PaymentCore

#if canImport(Glibc)
    import Glibc
#endif

/// Who may refund: root, and members of the configured groups (by default `qrpay-refund`). Being in the socket's
/// group (`qrpay`) lets a till take payments; sending money back needs more.
///
/// Membership is the caller's primary group or one of its supplementary groups, as the kernel recorded them for the
/// connection (``PeerCredentials``: `SO_PEERCRED` and `SO_PEERGROUPS`). Only the names in
/// `payment.refunds.allowedGroups` are looked up in the group database, to turn them into group ids.
struct RefundAuthorization: Sendable {
    var groups: [String]

    func check(_ caller: Caller) throws(PaymentProblem) {
        guard let uid = caller.uid else {
            // Credentials could not be read: nothing proves the caller may send money back.
            throw Self.refused("qrpayd could not tell who is asking (no SO_PEERCRED credentials).")
        }
        if uid == 0 { return }
        let allowed = Set(self.groups.compactMap(Self.groupID))
        var callerGroups = Set(caller.groups ?? [])
        if let gid = caller.gid { callerGroups.insert(gid) }
        guard allowed.isDisjoint(with: callerGroups) else { return }
        let names = self.groups.isEmpty ? "none configured" : self.groups.joined(separator: ", ")
        let unknownGroups =
            caller.groups == nil ? " (its supplementary groups could not be read: SO_PEERGROUPS failed)" : ""
        throw Self.refused(
            "Refunds need root or membership of one of these groups: \(names) (payment.refunds.allowedGroups); "
                + "uid \(uid) is not a member\(unknownGroups)."
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
}
