import JSONValues

/// The body shared by capture, cancel and refund:
/// `{"merchantInfo": {"merchantSerialNumber"}, "transaction": {"amount"?, "transactionText"}}`.
struct ActionCommand: Sendable {
    /// `nil` for "the whole remaining amount" (omitted, `null` or `0`).
    var amount: Int?
    var transactionText: String
    var shouldReleaseRemainingFunds: Bool

    static func parse(_ body: JSONValue?, callerMSN: String) throws(Rejection) -> ActionCommand {
        guard let body, let merchantInfo = body["merchantInfo"]?.objectValue,
            let transaction = body["transaction"]?.objectValue
        else {
            throw Rejection(.invalidRequest(field: "body", message: "merchantInfo and transaction must not be null"))
        }
        let msnValue = merchantInfo["merchantSerialNumber"]
        let amountValue = transaction["amount"]
        let releaseValue = body["shouldReleaseRemainingFunds"]
        let msnIsNotText = msnValue.map { $0.stringValue == nil && !$0.isNull } ?? false
        let amountIsNotInteger = amountValue.map { $0.integerValue == nil && !$0.isNull } ?? false
        let releaseIsNotBool = releaseValue.map { $0.boolValue == nil && !$0.isNull } ?? false
        if msnIsNotText || amountIsNotInteger || releaseIsNotBool {
            throw Rejection(.internalError)
        }
        let msn = msnValue?.stringValue ?? ""
        guard msn == callerMSN else {
            throw Rejection(
                .invalidRequest(
                    field: "merchantInfo.merchantSerialNumber",
                    message:
                        "Invalid MSN: \(msn). Check your API keys on portal.vipps.no and see the eCom FAQ for tips."
                )
            )
        }
        let text = transaction["transactionText"]?.stringValue ?? ""
        guard !text.isEmpty, text.count <= InitiateCommand.maximumTextLength else {
            throw Rejection(
                .invalidRequest(
                    field: "transaction.transactionText",
                    message: "transactionText must be 1 to \(InitiateCommand.maximumTextLength) characters"
                )
            )
        }
        let amount = amountValue?.integerValue
        if let amount, amount < 0 {
            throw Rejection(.invalidRequest(field: "transaction.amount", message: "Amount must not be negative"))
        }
        return ActionCommand(
            amount: amount == 0 ? nil : amount,
            transactionText: text,
            shouldReleaseRemainingFunds: releaseValue?.boolValue ?? false
        )
    }
}
