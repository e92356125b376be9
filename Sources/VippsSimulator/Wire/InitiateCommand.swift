import JSONValues

/// `POST /ecomm/v2/payments`, checked the way the real API checks it: type mismatches fail deserialisation
/// with a bare 500, field rules give `InvalidRequest` errors named after the field, business rules give
/// their own groups and codes.
struct InitiateCommand: Sendable {
    var msn: String
    var orderId: String
    var amount: Int
    var transactionText: String
    var mobileNumber: String?

    static let minimumAmount = 100
    static let maximumTextLength = 100

    static func validate(
        _ body: JSONValue,
        callerMSN: String,
        configuration: VippsSimulatorConfiguration
    ) throws(Rejection) -> InitiateCommand {
        let merchantInfo = body["merchantInfo"]?.objectValue ?? [:]
        let transaction = body["transaction"]?.objectValue ?? [:]
        try rejectUndeserialisable(body: body, merchantInfo: merchantInfo, transaction: transaction)

        var problems: [ErrorBodies.EcomError] = []
        func invalid(_ field: String, _ message: String) {
            problems.append(.init(group: "InvalidRequest", code: field, message: message))
        }
        if body["merchantInfo"]?.objectValue == nil {
            invalid("merchantInfo", "merchantInfo must not be null")
        }
        if body["transaction"]?.objectValue == nil {
            invalid("transaction", "transaction must not be null")
        }
        let msn = merchantInfo["merchantSerialNumber"]?.stringValue ?? ""
        if msn.wholeMatch(of: /\d{5,6}/) == nil {
            invalid("merchantInfo.merchantSerialNumber", "merchantSerialNumber must be a string of 5 or 6 digits")
        }
        if !URLRules.isValidFallBack(merchantInfo["fallBack"]?.stringValue ?? "") {
            invalid("merchantInfo.fallBack", "merchantInfo.fallBack.invalid: Fallback should not be null or empty")
        }
        if !URLRules.isValidCallbackPrefix(merchantInfo["callbackPrefix"]?.stringValue ?? "") {
            invalid("merchantInfo.callbackPrefix", "callbackUrl is invalid")
        }
        let amount = transaction["amount"]?.integerValue
        if (amount ?? 0) < minimumAmount {
            invalid("transaction.amount", "Amount must be at least \(minimumAmount) øre")
        }
        let orderId = transaction["orderId"]?.stringValue ?? ""
        if orderId.wholeMatch(of: /[a-zA-Z0-9-]{1,50}/) == nil {
            invalid("transaction.orderId", "orderId must be 1 to 50 characters of a-z, A-Z, 0-9 and -")
        }
        let text = transaction["transactionText"]?.stringValue ?? ""
        if text.isEmpty || text.count > maximumTextLength {
            invalid("transaction.transactionText", "transactionText must be 1 to \(maximumTextLength) characters")
        }
        guard problems.isEmpty else { throw Rejection(.json(400, ErrorBodies.ecom(problems))) }

        guard msn == callerMSN else {
            throw Rejection(
                .invalidRequest(
                    field: "merchantInfo.merchantSerialNumber",
                    message:
                        "Invalid MSN: \(msn). Check your API keys on portal.vipps.no and see the eCom FAQ for tips."
                )
            )
        }
        let mobileNumber = try validatedMobileNumber(body["customerInfo"]?["mobileNumber"], configuration)
        if transaction["skipLandingPage"]?.boolValue == true {
            throw Rejection(
                .ecomError(
                    400,
                    group: "Merchant",
                    code: "38",
                    message: "The sales unit is not allowed to skip the landing page"
                )
            )
        }
        return InitiateCommand(
            msn: msn,
            orderId: orderId,
            amount: amount ?? 0,
            transactionText: text,
            mobileNumber: mobileNumber
        )
    }

    /// Mistakes the real API does not validate but chokes on: a number MSN, a fractional or non-numeric
    /// amount, and `fallBack` spelt any other way.
    private static func rejectUndeserialisable(
        body: JSONValue,
        merchantInfo: [String: JSONValue],
        transaction: [String: JSONValue]
    ) throws(Rejection) {
        let misspeltFallBack = merchantInfo.keys.contains { $0.lowercased() == "fallback" && $0 != "fallBack" }
        let msnIsNotText = merchantInfo["merchantSerialNumber"].map { $0.stringValue == nil && !$0.isNull } ?? false
        let amountIsNotInteger = transaction["amount"].map { $0.integerValue == nil && !$0.isNull } ?? false
        let wrongContainers = [body["merchantInfo"], body["transaction"], body["customerInfo"]].contains { value in
            guard let value else { return false }
            return value.objectValue == nil && !value.isNull
        }
        if misspeltFallBack || msnIsNotText || amountIsNotInteger || wrongContainers {
            throw Rejection(.internalError)
        }
    }

    private static func validatedMobileNumber(
        _ value: JSONValue?,
        _ configuration: VippsSimulatorConfiguration
    ) throws(Rejection) -> String? {
        guard let value, !value.isNull else { return nil }
        guard let number = value.stringValue, number.wholeMatch(of: /\d{8}/) != nil,
            !configuration.unknownMobileNumbers.contains(number),
            !configuration.underageMobileNumbers.contains(number)
        else {
            throw Rejection(.ecomError(400, group: "User", code: "81", message: "User not registered with Vipps"))
        }
        return number
    }
}
