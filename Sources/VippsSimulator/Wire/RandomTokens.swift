import Foundation

/// Opaque values that look like the real ones, so clients never come to depend on a simulator-only shape.
enum RandomTokens {
    private static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// Three base64url segments, like the JWTs Vipps hands out, with nothing inside worth decoding.
    static func jwtLike(subject: String) -> String {
        let header = base64URL(Data(#"{"typ":"JWT","alg":"RS256","x-sim":true}"#.utf8))
        let claims = base64URL(Data(#"{"sub":"\#(subject)","nonce":"\#(UUID().uuidString)"}"#.utf8))
        let signature = base64URL(Data((0..<32).map { _ in UInt8.random(in: 0...255) }))
        return "\(header).\(claims).\(signature)"
    }

    /// A transaction id: ten digits, never a leading zero.
    static func transactionId() -> String {
        String(Int.random(in: 1_000_000_000...9_999_999_999))
    }

    static func alphanumeric(count: Int) -> String {
        String((0..<count).map { _ in alphanumerics.randomElement() ?? "x" })
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
