/// An RFC 7807 problem as the ePayment API sends it (`application/problem+json`), kept whole for the operator.
///
/// The ePayment FAQ says an error is identified by its `type` and that `title` and `detail` may be reworded at any
/// time; neither the FAQ nor the spec publishes the `type` values. ``EpaymentProblemCatalog`` therefore matches on
/// `type` where one is known and falls back to the title and the HTTP status.
public struct VippsProblem: Sendable, Hashable, Codable {
    /// One entry of `extraDetails` (`{"name", "reason"}`): which field was wrong and why.
    public struct ExtraDetail: Sendable, Hashable, Codable {
        public var name: String
        public var reason: String

        public init(name: String, reason: String) {
            self.name = name
            self.reason = reason
        }
    }

    public var type: String?
    public var title: String?
    public var detail: String?
    /// `traceId` today; the FAQ says it becomes `instance`. Whichever came.
    public var traceId: String?
    public var instance: String?
    public var extraDetails: [ExtraDetail]

    public init(
        type: String? = nil,
        title: String? = nil,
        detail: String? = nil,
        traceId: String? = nil,
        instance: String? = nil,
        extraDetails: [ExtraDetail] = []
    ) {
        self.type = type
        self.title = title
        self.detail = detail
        self.traceId = traceId
        self.instance = instance
        self.extraDetails = extraDetails
    }
}
