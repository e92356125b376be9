import Foundation
import JSONValues

extension SimulatorEngine {
    /// `POST /accesstoken/get`: no body, credentials in headers, every value in the answer a string.
    func accessToken(_ request: VippsRequest) -> VippsAnswer {
        self.answer { now throws(Rejection) in
            let (key, credential) = try self.credential(for: request)
            guard request.header("client_id") == credential.clientID,
                request.header("client_secret") == credential.clientSecret
            else { throw Rejection(.invalidClientCredentials) }
            let lifetime = self.configuration.effectiveTokenLifetime
            let (token, expiresAt) = self.tokens.issue(for: key, now: now, lifetime: lifetime)
            let body: JSONValue = [
                "token_type": "Bearer",
                "expires_in": .string(String(Int(lifetime.timeInterval))),
                "ext_expires_in": "0",
                "expires_on": .string(WireTime.epochSeconds(expiresAt)),
                "not_before": .string(WireTime.epochSeconds(now)),
                "resource": "00000002-0000-0000-c000-000000000000",
                "access_token": .string(token),
            ]
            return .json(200, self.withUnknownFields(body))
        }
    }
}
