/// An early answer: validation and authorisation throw one of these, and the endpoint answers with it.
struct Rejection: Error, Sendable {
    var answer: VippsAnswer

    init(_ answer: VippsAnswer) {
        self.answer = answer
    }
}
