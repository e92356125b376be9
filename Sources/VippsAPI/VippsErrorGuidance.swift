/// What a Vipps error means for each of the three people who meet it.
///
/// One row per error the Vipps FAQ describes (see the README's troubleshooting section, which is checked against
/// this table by a test). The till gets ``tillErrorType`` plus the stable ``id``, the customer screen shows the
/// ``customerMessage`` category (never a code), and the operator's journal entry carries ``operatorHint``: what it
/// means and what to check.
public struct VippsErrorGuidance: Sendable, Hashable, Identifiable {
    /// The till's coarse error type (`urn:qrpayd:error:<slug>`), from the control API's fixed list.
    public enum TillErrorType: String, Sendable, Hashable, CaseIterable {
        /// Vipps refused the request; sending it again unchanged will not help.
        case vippsRejected = "vipps-rejected"
        /// Vipps could not be reached or was overloaded; qrpayd keeps trying where it is safe.
        case vippsUnavailable = "vipps-unavailable"
    }

    /// What the customer screen may say. The raw values are the customer display's reason names.
    public enum CustomerMessage: String, Sendable, Hashable, CaseIterable {
        case cardDeclined
        case customerDeclined
        case timedOut
        case cancelledByShop
        case vippsUnavailable
        case technicalError
    }

    /// A stable identifier for this kind of error (`invalid-subscription-key`); tills and fleet tools may switch on it.
    public let id: String
    /// A few words for the operator.
    public let title: String
    public let tillErrorType: TillErrorType
    public let customerMessage: CustomerMessage
    /// Whether the same request can succeed later without anyone changing anything.
    public let retryable: Bool
    /// What it means and what to check, in the spirit of the Vipps FAQ.
    public let operatorHint: String
    /// Which answers this row explains.
    let matches: [Match]

    struct Match: Sendable, Hashable {
        var kinds: Set<VippsError.Kind> = [.http]
        var status: ClosedRange<Int>?
        var group: VippsErrorGroup?
        var code: String?
        /// Lower-case text the error message must contain.
        var message: String?
        var operations: Set<VippsOperation>?
        /// The ePayment problem this row explains (see ``EpaymentProblemCatalog``).
        var epayment: EpaymentProblemKind?

        func matches(
            kind: VippsError.Kind,
            operation: VippsOperation,
            status: Int?,
            group: VippsErrorGroup?,
            code: String?,
            message: String?,
            epayment: EpaymentProblemKind?
        ) -> Bool {
            guard self.kinds.contains(kind) else { return false }
            if let expected = self.epayment, expected != epayment { return false }
            if let range = self.status {
                guard let status, range.contains(status) else { return false }
            }
            if let expected = self.group, expected != group { return false }
            if let expected = self.code, expected.lowercased() != code?.lowercased() { return false }
            if let expected = self.message {
                guard let message, message.lowercased().contains(expected) else { return false }
            }
            if let operations = self.operations, !operations.contains(operation) { return false }
            return true
        }
    }

    static func lookup(
        kind: VippsError.Kind,
        operation: VippsOperation,
        httpStatus: Int?,
        errorGroup: VippsErrorGroup?,
        errorCode: String?,
        errorMessage: String?,
        problem: VippsProblem? = nil
    ) -> VippsErrorGuidance {
        let epayment = EpaymentProblemCatalog.kind(of: problem)
        for entry in self.table
        where entry.matches.contains(where: {
            $0.matches(
                kind: kind,
                operation: operation,
                status: httpStatus,
                group: errorGroup,
                code: errorCode,
                message: errorMessage,
                epayment: epayment
            )
        }) {
            return entry
        }
        return self.unexplained
    }

    /// Looks a row up by its ``id``.
    public static func entry(id: String) -> VippsErrorGuidance? {
        self.table.first { $0.id == id }
    }

    static let unexplained = VippsErrorGuidance(
        id: "vipps-unexplained-error",
        title: "Vipps answered with an error qrpayd has no explanation for",
        tillErrorType: .vippsRejected,
        customerMessage: .technicalError,
        retryable: false,
        operatorHint:
            "Read the HTTP status and errorMessage in this entry; the contextId identifies the request if you contact "
            + "Vipps MobilePay.",
        matches: []
    )
}
