public import AsyncHTTPClient
import Foundation
public import Logging
public import Metrics
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The Vipps eCom v2, QR and access-token APIs, as the POS daemon uses them.
///
/// Every request carries the bearer token, the subscription key, `Merchant-Serial-Number` and the `Vipps-System-*`
/// headers. A 401 on a payment call is answered by fetching a new token and trying once more. Calls that move money
/// (capture, cancel, refund) whose outcome is unknown after a timeout or a dropped connection are looked up in
/// `/details` before they are sent again, and capture and refund repeat the same `X-Request-Id`, so a retry can never
/// move money twice. Initiate is not idempotent at Vipps: its unknown outcome is left to the caller.
public struct VippsClient: Sendable {
    public struct Configuration: Sendable {
        public var environment: VippsEnvironment
        public var credentials: VippsCredentials
        public var systemInfo: VippsSystemInfo
        /// The longest a single request may take, connection included.
        public var requestTimeout: Duration
        /// The QR API's base; `<environment base>/qr` unless set.
        public var qrBaseURL: String?

        public init(
            environment: VippsEnvironment,
            credentials: VippsCredentials,
            systemInfo: VippsSystemInfo,
            requestTimeout: Duration = .seconds(10),
            qrBaseURL: String? = nil
        ) {
            self.environment = environment
            self.credentials = credentials
            self.systemInfo = systemInfo
            self.requestTimeout = requestTimeout
            self.qrBaseURL = qrBaseURL
        }
    }

    /// Connection settings Vipps asks for: at least 1 s to connect and 5 s to read. No redirects: an answer from
    /// somewhere else is not an answer from Vipps.
    public static func httpClientConfiguration() -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(3), read: .seconds(8))
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool = .init(idleTimeout: .seconds(50))
        return configuration
    }

    public let configuration: Configuration
    public let tokens: AccessTokenProvider
    private let httpClient: HTTPClient
    private let logger: Logger
    private let metrics: VippsMetrics

    /// - Parameter metrics: where every request is counted and timed (the daemon's Prometheus registry).
    public init(
        httpClient: HTTPClient,
        configuration: Configuration,
        logger: Logger,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) {
        self.httpClient = httpClient
        self.configuration = configuration
        self.logger = logger
        self.metrics = VippsMetrics(factory: metrics)
        let fetcher = TokenFetcher(
            httpClient: httpClient,
            configuration: configuration,
            logger: logger,
            metrics: self.metrics
        )
        self.tokens = AccessTokenProvider(logger: logger) { () async throws(VippsError) -> AccessToken in
            try await fetcher.fetch()
        }
    }

    /// Sets the access token's gauge (seconds to expiry), just before metrics are scraped.
    public func recordGauges() async {
        self.metrics.tokenExpiry(validUntil: await self.tokens.validUntil)
    }

    // MARK: eCom v2

    /// `POST /ecomm/v2/payments` with `skipLandingPage: false`, as the one-time-payment QR flow requires.
    public func initiate(_ payment: PaymentInitiation) async throws(VippsError) -> InitiatedPayment {
        let body = Wire.Initiate(
            merchantInfo: .init(
                merchantSerialNumber: self.configuration.credentials.merchantSerialNumber,
                callbackPrefix: payment.callbackPrefix,
                fallBack: payment.fallBackURL
            ),
            transaction: .init(
                orderId: payment.orderId,
                amount: payment.amount,
                transactionText: payment.transactionText,
                skipLandingPage: false
            )
        )
        let response = try await self.send(.initiate, .POST, "/ecomm/v2/payments", json: body)
        let decoded: Wire.InitiateResponse = try self.decode(response, .initiate)
        guard decoded.url.hasPrefix("https://") || decoded.url.hasPrefix("http://") else {
            throw VippsError(kind: .invalidResponse, operation: .initiate, errorMessage: "initiate returned no URL")
        }
        return InitiatedPayment(orderId: decoded.orderId, url: decoded.url)
    }

    /// `GET /ecomm/v2/payments/{orderId}/details`.
    public func details(orderId: String) async throws(VippsError) -> PaymentDetails {
        let response = try await self.send(.details, .GET, "/ecomm/v2/payments/\(try self.escape(orderId))/details")
        do {
            return try PaymentDetails.decode(response.body)
        } catch {
            throw VippsError(kind: .invalidResponse, operation: .details, errorMessage: "details could not be read")
        }
    }

    /// Captures `amount` øre, or the rest of the reservation when `amount` is nil.
    ///
    /// `requestId` must be the same for every attempt at the same capture: Vipps then captures once.
    public func capture(orderId: String, amount: Int?, text: String, requestId: String) async throws(VippsError)
        -> TransactionSummary?
    {
        let body = Wire.Action(
            merchantInfo: .init(merchantSerialNumber: self.configuration.credentials.merchantSerialNumber),
            transaction: .init(amount: amount, transactionText: text)
        )
        return try await self.moneyCall(
            .capture,
            .POST,
            orderId: orderId,
            path: "capture",
            body: body,
            requestId: requestId
        )
    }

    /// `PUT .../cancel`: before approval Vipps records CANCEL, after it VOID. Read the payment back afterwards: the
    /// customer may have approved in the same second.
    public func cancel(orderId: String, text: String, releaseRemainingFunds: Bool = false) async throws(VippsError)
        -> TransactionSummary?
    {
        let body = Wire.Action(
            merchantInfo: .init(merchantSerialNumber: self.configuration.credentials.merchantSerialNumber),
            transaction: .init(amount: nil, transactionText: text),
            shouldReleaseRemainingFunds: releaseRemainingFunds ? true : nil
        )
        return try await self.moneyCall(.cancel, .PUT, orderId: orderId, path: "cancel", body: body, requestId: nil)
    }

    /// Refunds `amount` øre of what was captured. Same `requestId` rule as ``capture(orderId:amount:text:requestId:)``.
    public func refund(orderId: String, amount: Int, text: String, requestId: String) async throws(VippsError)
        -> TransactionSummary?
    {
        let body = Wire.Action(
            merchantInfo: .init(merchantSerialNumber: self.configuration.credentials.merchantSerialNumber),
            transaction: .init(amount: amount, transactionText: text)
        )
        return try await self.moneyCall(
            .refund,
            .POST,
            orderId: orderId,
            path: "refund",
            body: body,
            requestId: requestId
        )
    }

    /// The test environment's force approve, playing the customer. Not available in production.
    public func forceApprove(payment: InitiatedPayment, customerPhoneNumber: String) async throws(VippsError) {
        try self.requireTestEnvironment()
        guard let token = payment.landingPageToken else {
            throw VippsError(kind: .invalidResponse, operation: .forceApprove, errorMessage: "payment URL has no token")
        }
        let body = Wire.ForceApprove(customerPhoneNumber: customerPhoneNumber, token: token)
        let path = "/ecomm/v2/integration-test/payments/\(try self.escape(payment.orderId))/approve"
        _ = try await self.send(.forceApprove, .POST, path, json: body)
    }

    /// Force approve plays the customer; production has no such endpoint, so it is not even tried there.
    func requireTestEnvironment() throws(VippsError) {
        guard self.configuration.environment.isTest else {
            throw VippsError(
                kind: .http,
                operation: .forceApprove,
                httpStatus: 404,
                errorMessage: "force approve exists only in the test environment"
            )
        }
    }

    // MARK: QR API

    /// `POST /qr/v1` with `Accept: text/targetUrl`: the `https://qr.vipps.no/...` text to draw for this payment.
    ///
    /// The shape of this answer is not documented, so both a JSON `{"url", "expiresIn"}` and a plain-text body are
    /// accepted.
    public func qrTarget(paymentURL: String) async throws(VippsError) -> QRTarget {
        let base = self.configuration.qrBaseURL ?? self.configuration.environment.baseURL + "/qr"
        let response = try await self.send(
            .qrCode,
            .POST,
            "/v1",
            json: Wire.QRRequest(url: paymentURL),
            accept: "text/targetUrl",
            baseURL: base
        )
        let text = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let target: QRTarget
        if text.hasPrefix("{") {
            guard let decoded = try? JSONDecoder().decode(Wire.QRResponse.self, from: Data(response.body)) else {
                throw VippsError(kind: .invalidResponse, operation: .qrCode, errorMessage: "QR answer has no url")
            }
            target = QRTarget(text: decoded.url, expiresIn: decoded.expiresIn)
        } else {
            let unquoted =
                text.hasPrefix("\"") && text.hasSuffix("\"") && text.count > 1
                ? String(text.dropFirst().dropLast()) : text
            target = QRTarget(text: unquoted, expiresIn: nil)
        }
        guard target.text.hasPrefix("https://"), target.text.count <= 2048, !target.text.contains(where: \.isWhitespace)
        else {
            throw VippsError(kind: .invalidResponse, operation: .qrCode, errorMessage: "QR answer is not an https URL")
        }
        return target
    }

    // MARK: Transport

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    /// One attempt at a call that moves money. When the answer is lost the outcome is unknown: the caller reads the
    /// payment back (the `requestId` shows in its log once Vipps carried it out) before it tries again, and every
    /// attempt counts against Vipps' per-orderId limits, so this never retries by itself.
    private func moneyCall(
        _ operation: VippsOperation,
        _ method: HTTPMethod,
        orderId: String,
        path: String,
        body: Wire.Action,
        requestId: String?
    ) async throws(VippsError) -> TransactionSummary? {
        let fullPath = "/ecomm/v2/payments/\(try self.escape(orderId))/\(path)"
        let response = try await self.send(operation, method, fullPath, json: body, requestId: requestId)
        let decoded: Wire.ActionResponse = try self.decode(response, operation)
        return decoded.transactionSummary
    }

    func send(
        _ operation: VippsOperation,
        _ method: HTTPMethod,
        _ path: String,
        json: (some Encodable)? = String?.none,
        requestId: String? = nil,
        idempotencyKey: String? = nil,
        accept: String = "application/json",
        baseURL: String? = nil
    ) async throws(VippsError) -> Response {
        var body: [UInt8]?
        if let json {
            do {
                body = Array(try JSONEncoder().encode(json))
            } catch {
                throw VippsError(
                    kind: .invalidResponse,
                    operation: operation,
                    errorMessage: "request could not be encoded"
                )
            }
        }
        let url = (baseURL ?? self.configuration.environment.baseURL) + path
        let token = try await self.tokens.token()
        let first = try await self.execute(
            operation,
            method,
            url,
            body: body,
            token: token,
            requestId: requestId,
            idempotencyKey: idempotencyKey,
            accept: accept
        )
        guard first.status == 401 else { return try self.check(first, operation) }
        // The token may have expired early or been revoked: one fresh token, one more try.
        await self.tokens.invalidate(token)
        let fresh = try await self.tokens.token()
        let second = try await self.execute(
            operation,
            method,
            url,
            body: body,
            token: fresh,
            requestId: requestId,
            idempotencyKey: idempotencyKey,
            accept: accept
        )
        return try self.check(second, operation)
    }

    private func execute(
        _ operation: VippsOperation,
        _ method: HTTPMethod,
        _ url: String,
        body: [UInt8]?,
        token: String,
        requestId: String?,
        idempotencyKey: String?,
        accept: String
    ) async throws(VippsError) -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: accept)
        RequestHeaders.addCommon(to: &request.headers, configuration: self.configuration)
        if let requestId {
            request.headers.add(name: "X-Request-Id", value: requestId)
        }
        if let idempotencyKey {
            request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json;charset=UTF-8")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return try await RequestHeaders.perform(
            request,
            operation: operation,
            httpClient: self.httpClient,
            timeout: self.configuration.requestTimeout,
            logger: self.logger,
            metrics: self.metrics
        )
    }

    private func check(_ response: Response, _ operation: VippsOperation) throws(VippsError) -> Response {
        guard (200..<300).contains(response.status) else {
            throw RequestHeaders.error(from: response, operation: operation)
        }
        return response
    }

    func decode<T: Decodable>(_ response: Response, _ operation: VippsOperation) throws(VippsError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw VippsError(kind: .invalidResponse, operation: operation, errorMessage: "answer could not be read")
        }
    }

    /// orderIds are `[A-Za-z0-9-]`; anything else never reaches a URL.
    func escape(_ orderId: String) throws(VippsError) -> String {
        guard !orderId.isEmpty, orderId.count <= 50,
            orderId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else {
            throw VippsError(
                kind: .http,
                operation: .details,
                httpStatus: 400,
                errorGroup: .invalidRequest,
                errorCode: "orderId",
                errorMessage: "orderId must be 1-50 characters of A-Z, a-z, 0-9 and -"
            )
        }
        return orderId
    }
}

/// Fetches access tokens: `POST /accesstoken/get` with the credentials as headers and no body.
struct TokenFetcher: Sendable {
    let httpClient: HTTPClient
    let configuration: VippsClient.Configuration
    let logger: Logger
    let metrics: VippsMetrics

    func fetch() async throws(VippsError) -> AccessToken {
        var request = HTTPClientRequest(url: self.configuration.environment.baseURL + "/accesstoken/get")
        request.method = .POST
        request.headers.add(name: "client_id", value: self.configuration.credentials.clientID)
        request.headers.add(name: "client_secret", value: self.configuration.credentials.clientSecret)
        request.headers.add(name: "Accept", value: "application/json")
        RequestHeaders.addCommon(to: &request.headers, configuration: self.configuration)
        let response = try await RequestHeaders.perform(
            request,
            operation: .accessToken,
            httpClient: self.httpClient,
            timeout: self.configuration.requestTimeout,
            logger: self.logger,
            metrics: self.metrics
        )
        guard (200..<300).contains(response.status) else {
            throw RequestHeaders.error(from: response, operation: .accessToken)
        }
        guard let decoded = try? JSONDecoder().decode(Wire.TokenResponse.self, from: Data(response.body)),
            !decoded.access_token.isEmpty
        else {
            throw VippsError(
                kind: .invalidResponse,
                operation: .accessToken,
                errorMessage: "token answer could not be read"
            )
        }
        // Vipps sends numbers as strings ("3600"); be lenient and assume the shorter test lifetime if it is missing.
        let seconds = decoded.expires_in.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 3600
        return AccessToken(value: decoded.access_token, lifetime: .seconds(max(seconds, 1)))
    }
}

/// Headers and error mapping shared by the token fetcher and the API calls.
enum RequestHeaders {
    static func addCommon(to headers: inout HTTPHeaders, configuration: VippsClient.Configuration) {
        headers.add(name: "Ocp-Apim-Subscription-Key", value: configuration.credentials.subscriptionKey)
        headers.add(name: "Merchant-Serial-Number", value: configuration.credentials.merchantSerialNumber)
        headers.add(name: "Vipps-System-Name", value: configuration.systemInfo.name)
        headers.add(name: "Vipps-System-Version", value: configuration.systemInfo.version)
        headers.add(name: "Vipps-System-Plugin-Name", value: configuration.systemInfo.pluginName)
        headers.add(name: "Vipps-System-Plugin-Version", value: configuration.systemInfo.pluginVersion)
        headers.add(name: "User-Agent", value: "\(configuration.systemInfo.name)/\(configuration.systemInfo.version)")
    }

    static func perform(
        _ request: HTTPClientRequest,
        operation: VippsOperation,
        httpClient: HTTPClient,
        timeout: Duration,
        logger: Logger,
        metrics: VippsMetrics
    ) async throws(VippsError) -> VippsClient.Response {
        let started = ContinuousClock.now
        do {
            let response = try await self.perform(
                request,
                operation: operation,
                httpClient: httpClient,
                timeout: timeout
            )
            metrics.request(operation, status: response.status, failure: nil, took: ContinuousClock.now - started)
            logger.trace(
                "Vipps answered",
                metadata: ["vipps.operation": "\(operation)", "vipps.http_status": "\(response.status)"]
            )
            return response
        } catch {
            metrics.request(operation, status: nil, failure: error.kind, took: ContinuousClock.now - started)
            throw error
        }
    }

    private static func perform(
        _ request: HTTPClientRequest,
        operation: VippsOperation,
        httpClient: HTTPClient,
        timeout: Duration
    ) async throws(VippsError) -> VippsClient.Response {
        do {
            let response = try await httpClient.execute(
                request,
                timeout: .milliseconds(Int64(timeout / .milliseconds(1)))
            )
            let body = try await response.body.collect(upTo: 1 << 20)
            return VippsClient.Response(
                status: Int(response.status.code),
                headers: response.headers,
                body: Array(buffer: body)
            )
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout:
                throw VippsError(kind: .timeout, operation: operation, errorMessage: "\(error)")
            default:
                throw VippsError(kind: .network, operation: operation, errorMessage: "\(error)")
            }
        } catch {
            if Task.isCancelled {
                throw VippsError(kind: .network, operation: operation, errorMessage: "cancelled")
            }
            throw VippsError(kind: .network, operation: operation, errorMessage: "\(error)")
        }
    }

    static func error(from response: VippsClient.Response, operation: VippsOperation) -> VippsError {
        let parsed = ErrorBodyParser.parse(response.body)
        return VippsError(
            kind: .http,
            operation: operation,
            httpStatus: response.status,
            errorGroup: parsed.errorGroup.map(VippsErrorGroup.init(parsing:)),
            errorCode: parsed.errorCode,
            errorMessage: parsed.errorMessage,
            contextId: parsed.contextId,
            retryAfter: self.retryAfter(response),
            problem: parsed.problem
        )
    }

    /// `Retry-After` in seconds, else the gateway's "Try again in N seconds".
    static func retryAfter(_ response: VippsClient.Response) -> Duration? {
        guard response.status == 429 || response.status == 503 else { return nil }
        if let header = response.headers.first(name: "Retry-After")?.trimmingCharacters(in: .whitespaces) {
            if let seconds = Int(header), seconds >= 0 { return .seconds(min(seconds, 3600)) }
        }
        let text = String(decoding: response.body.prefix(500), as: UTF8.self)
        if let range = text.range(of: #"in (\d+) second"#, options: .regularExpression) {
            let digits = text[range].filter(\.isNumber)
            if let seconds = Int(digits) { return .seconds(min(seconds, 3600)) }
        }
        return nil
    }
}
