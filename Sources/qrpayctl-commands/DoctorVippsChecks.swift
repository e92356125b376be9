import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import QRPayConfiguration
import VippsAPI

/// The checks that talk to Vipps, with the same client and keys the daemon uses.
struct DoctorVippsChecks: Sendable {
    let configuration: QRPayConfiguration
    /// Overrides the other environment's base URL (a second simulator in tests).
    let otherEnvironmentURL: String?

    /// The clock may be this far from Vipps' before tokens and timestamps become a problem.
    static let clockTolerance: TimeInterval = 60

    func run() async -> [DoctorFinding] {
        let httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: VippsClient.httpClientConfiguration()
        )
        let findings = await self.run(httpClient: httpClient)
        try? await httpClient.shutdown()
        return findings
    }

    private func run(httpClient: HTTPClient) async -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        let baseURL = self.configuration.vipps.environment.baseURL
        let host = URL(string: baseURL)?.host ?? baseURL
        if !Loopback.isHost(host) {
            let dns = Self.resolve(host)
            findings.append(dns)
            if dns.status == .fail { return findings }
        }
        let reached = await self.reach(baseURL, httpClient: httpClient)
        findings.append(reached.finding)
        guard reached.finding.status != .fail else { return findings }
        findings.append(Self.clock(vippsDate: reached.date))

        let client = self.client(environment: self.configuration.vipps.environment, httpClient: httpClient)
        do throws(VippsError) {
            _ = try await client.tokens.token()
            findings.append(
                .ok(
                    "access-token",
                    "fetched an access token for client_id \(self.configuration.vipps.credentials.clientID) "
                        + "(MSN \(self.configuration.vipps.credentials.merchantSerialNumber))"
                )
            )
        } catch {
            findings.append(await self.tokenFailure(error, httpClient: httpClient))
            return findings
        }
        switch self.configuration.vipps.api {
        case .ecom:
            findings.append(await self.qrAPI(client))
        case .epayment:
            findings.append(await self.epaymentAPI(client))
            findings.append(self.currency())
        }
        return findings
    }

    // MARK: The checks

    private static func resolve(_ host: String) -> DoctorFinding {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, "443", &hints, &result)
        if let result { freeaddrinfo(result) }
        guard status == 0 else {
            return .fail(
                "dns",
                "\(host) does not resolve: \(String(cString: gai_strerror(status)))",
                fix: "Check the box's DNS (resolvectl status) and network; a captive portal or a firewall may block it."
            )
        }
        return .ok("dns", "\(host) resolves")
    }

    private func reach(_ baseURL: String, httpClient: HTTPClient) async -> (finding: DoctorFinding, date: Date?) {
        var request = HTTPClientRequest(url: baseURL + "/")
        request.method = .GET
        do {
            let response = try await httpClient.execute(
                request,
                timeout: .milliseconds(Int64(self.configuration.vipps.requestTimeout / .milliseconds(1)))
            )
            _ = try await response.body.collect(upTo: 1 << 20)
            let date = response.headers.first(name: "Date").flatMap(Self.httpDate)
            return (
                .ok(
                    "vipps",
                    "\(self.configuration.vipps.environment) is reachable: GET / answered HTTP \(response.status.code) "
                        + "(any HTTP answer proves the network path and TLS; the keys are checked next)"
                ),
                date
            )
        } catch {
            return (
                .fail(
                    "vipps",
                    "cannot reach \(baseURL): \(error)",
                    fix: "Check the network, that HTTPS to \(baseURL) is allowed through the firewall or proxy, and "
                        + "the Vipps status page."
                ),
                nil
            )
        }
    }

    static func clock(vippsDate: Date?, now: Date = Date()) -> DoctorFinding {
        guard let vippsDate else {
            return .warning(
                "clock",
                "Vipps sent no Date header, so the clock was not compared",
                fix: "Check that time synchronisation is on: timedatectl status."
            )
        }
        let offset = now.timeIntervalSince(vippsDate)
        let seconds = Int(offset.magnitude.rounded())
        guard offset.magnitude <= Self.clockTolerance else {
            return .fail(
                "clock",
                "the clock is \(seconds) s \(offset > 0 ? "ahead of" : "behind") Vipps",
                fix:
                    "Turn on time synchronisation (timedatectl set-ntp true) and check that NTP can reach its servers; "
                    + "a wrong clock makes tokens look expired."
            )
        }
        return .ok("clock", "within \(seconds) s of Vipps")
    }

    private func tokenFailure(_ error: VippsError, httpClient: HTTPClient) async -> DoctorFinding {
        let guidance = error.guidance
        let said = Self.vippsSaid(error)
        if ["invalid-subscription-key", "invalid-client-credentials"].contains(guidance.id),
            let (other, name) = self.otherEnvironment()
        {
            let probe = self.client(environment: other, httpClient: httpClient)
            if (try? await probe.tokens.token()) != nil {
                return .fail(
                    "access-token",
                    "\(guidance.title) (\(said)); these keys look like \(name) keys: \(other) gave a token for them.",
                    fix: "Set vipps.environment to \"\(name)\" (with that environment's MSN), or install this sales "
                        + "unit's keys for the configured environment. " + guidance.operatorHint
                )
            }
        }
        return .fail("access-token", "\(guidance.title) (\(said))", fix: guidance.operatorHint)
    }

    /// Asks the QR API for a code for an obviously invalid payment URL: a validation error proves the API is there
    /// and these keys may use it; 401, 403, 404 or 5xx say they may not.
    private func qrAPI(_ client: VippsClient) async -> DoctorFinding {
        do throws(VippsError) {
            _ = try await client.qrTarget(paymentURL: "https://qrpayd-doctor.invalid/not-a-payment?token=doctor")
            return .ok("qr-api", "the QR API answers")
        } catch {
            let message = error.errorMessage?.lowercased() ?? ""
            if error.httpStatus == 400, message.contains("validation error") || message.contains("not valid") {
                return .ok("qr-api", "the QR API answers and accepts these keys")
            }
            let guidance = error.guidance
            return .fail(
                "qr-api",
                "\(guidance.title) (\(Self.vippsSaid(error)))",
                fix: guidance.operatorHint
            )
        }
    }

    /// Reads a payment that does not exist: ePayment's "Reference not found" proves the API is there and these keys
    /// may use it for this MSN; 401, 403 or anything else says they may not.
    private func epaymentAPI(_ client: VippsClient) async -> DoctorFinding {
        do throws(VippsError) {
            _ = try await client.epaymentPayment(reference: "qrpayd-doctor-no-such-payment")
            return .ok("epayment-api", "the ePayment API answers")
        } catch {
            if EpaymentProblemCatalog.kind(of: error.problem) == .referenceNotFound {
                return .ok(
                    "epayment-api",
                    "the ePayment API answers and accepts these keys for MSN "
                        + self.configuration.vipps.credentials.merchantSerialNumber
                )
            }
            let guidance = error.guidance
            return .fail("epayment-api", "\(guidance.title) (\(Self.vippsSaid(error)))", fix: guidance.operatorHint)
        }
    }

    /// The ePayment API has no call that names a sales unit's currency, so only what can be known is checked: NOK is
    /// every Norwegian sales unit's; DKK and EUR need a Danish or Finnish (MobilePay) sales unit, which is said, not
    /// proven.
    private func currency() -> DoctorFinding {
        let currency = self.configuration.vipps.currency
        let msn = self.configuration.vipps.credentials.merchantSerialNumber
        guard currency == .nok else {
            return .warning(
                "currency",
                "payment.currency is \(currency.rawValue); the ePayment API does not tell which currency sales unit "
                    + "\(msn) takes",
                fix: "Check on portal.vipps.no that sales unit \(msn) takes \(currency.rawValue). Vipps refuses a "
                    + "payment in another currency when it is created (the journal names the error)."
            )
        }
        return .ok("currency", "payment.currency is NOK (Norwegian sales units take NOK)")
    }

    // MARK: Helpers

    private func client(environment: VippsEnvironment, httpClient: HTTPClient) -> VippsClient {
        var logger = Logger(label: "qrpayctl.doctor")
        logger.logLevel = .critical
        return VippsClient(
            httpClient: httpClient,
            configuration: .init(
                environment: environment,
                credentials: self.configuration.vipps.credentials,
                systemInfo: VippsSystemInfo(version: QRPayBuild.version, pluginVersion: QRPayBuild.version),
                requestTimeout: self.configuration.vipps.requestTimeout
            ),
            logger: logger
        )
    }

    /// test ↔ production, and its name; nil for a custom base URL unless one was given for the other side.
    private func otherEnvironment() -> (VippsEnvironment, String)? {
        let isTest = self.configuration.vipps.environment.isTest
        let name = isTest ? "production" : "test"
        if let url = self.otherEnvironmentURL {
            return (.custom(baseURL: url, isTest: !isTest), name)
        }
        switch self.configuration.vipps.environment {
        case .test: return (.production, name)
        case .production: return (.test, name)
        case .custom: return nil
        }
    }

    private static func vippsSaid(_ error: VippsError) -> String {
        [
            error.httpStatus.map { "HTTP \($0)" },
            error.errorGroup.map { "\($0)" },
            error.errorCode,
            error.errorMessage.map { "\"\($0)\"" },
        ].compactMap { $0 }.joined(separator: " ")
    }

    /// An IMF-fixdate (`Sat, 21 Nov 2026 11:20:01 GMT`), as HTTP's Date header carries.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
