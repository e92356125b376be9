import Foundation
import JSONValues

/// The QR API's one-time payment QR (`POST /qr/v1`) and the images it links to.
extension SimulatorEngine {
    private enum QRFormat {
        case targetURL
        case png
        case svg

        init?(accept: String?) {
            switch accept?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() {
            case "text/targeturl": self = .targetURL
            case "image/png", "image/*": self = .png
            case "image/svg+xml": self = .svg
            default: return nil
            }
        }
    }

    private static let validationProblemType = "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.1"

    func oneTimeQR(_ request: VippsRequest) -> VippsAnswer {
        self.answer { now throws(Rejection) in
            let caller = try self.authorize(request, now: now)
            guard let format = QRFormat(accept: request.header("Accept")) else {
                throw Rejection(
                    .problem(
                        415,
                        ErrorBodies.problem(
                            status: 415,
                            type: "https://tools.ietf.org/html/rfc7231#section-6.5.13",
                            title: "Unsupported Media Type",
                            detail: "Accept must be one of image/*, image/png, image/svg+xml, text/targetUrl"
                        )
                    )
                )
            }
            let token = JSONValue.parse(request.body)?["url"]?.stringValue
                .flatMap { URLComponents(string: $0)?.queryItems?.first(where: { $0.name == "token" })?.value }
            guard
                let key = self.paymentKeys.first(where: {
                    $0.msn == caller.msn && self.payments[$0]?.landingToken == token
                }),
                var payment = self.payments[key]
            else {
                throw Rejection(
                    .problem(
                        400,
                        ErrorBodies.problem(
                            status: 400,
                            type: Self.validationProblemType,
                            title: "Validation error",
                            detail: "Supplied landing page token is not valid"
                        )
                    )
                )
            }
            guard let expiresIn = self.qrSecondsLeft(payment, now: now) else {
                throw Rejection(
                    .problem(
                        400,
                        ErrorBodies.problem(
                            status: 400,
                            type: Self.validationProblemType,
                            title: "Order timeout",
                            detail: "Payment has already timed out"
                        ),
                        orderId: key.orderId
                    )
                )
            }
            let id = payment.qrTargetId ?? RandomTokens.alphanumeric(count: 8)
            payment.qrTargetId = id
            self.payments[key] = payment
            self.qrTargets[id] = key

            let link: String
            switch format {
            case .targetURL:
                link = "https://qr.vipps.no/r/\(id)"
                if self.configuration.qrAnswer == .plainText {
                    return VippsAnswer(status: 200, body: .text(link, contentType: "text/plain"), orderId: key.orderId)
                }
            case .png:
                link = "http://\(request.authority)/qr-image/\(id)"
            case .svg:
                link = "http://\(request.authority)/qr-image/\(id)?format=svg"
            }
            let body = self.withUnknownFields(["url": .string(link), "expiresIn": .integer(expiresIn)])
            return .json(200, body, orderId: key.orderId)
        }
    }

    /// The image behind an `image/*` answer; like the real links it needs no authentication and is gone (404)
    /// once the QR has expired.
    func qrImage(id: String, svg: Bool) -> VippsAnswer {
        self.transact { now in
            guard let key = self.qrTargets[id], let payment = self.payments[key],
                self.qrSecondsLeft(payment, now: now) != nil
            else { return VippsAnswer(status: 404, body: .empty) }
            let body: VippsAnswer.Body =
                svg
                ? .text(PlaceholderImages.svg, contentType: "image/svg+xml")
                : .bytes(PlaceholderImages.png, contentType: "image/png")
            return VippsAnswer(status: 200, body: body, orderId: key.orderId)
        }
    }

    /// Seconds left of the window in which the QR can be opened; `nil` once it is over.
    private func qrSecondsLeft(_ payment: PaymentRecord, now: Date) -> Int? {
        let deadline = payment.createdAt.addingTimeInterval(self.configuration.openTimeout.timeInterval)
        guard payment.isOpenForCustomer, now < deadline else { return nil }
        return Int(deadline.timeIntervalSince(now).rounded(.down))
    }
}
