import Foundation

/// What qrpayctl prints: readable lines on standard output, problems on standard error.
enum Output {
    static func line(_ text: String = "") {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Øre as kroner: `12900` → `129.00 NOK`.
    static func amount(_ ore: Int, currency: String? = nil) -> String {
        let sign = ore < 0 ? "-" : ""
        let magnitude = ore.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents) \(currency ?? "NOK")"
    }

    /// `label  value` lines with the values lined up.
    static func fields(_ rows: [(String, String?)]) {
        let present = rows.compactMap { label, value in value.map { (label, $0) } }
        let width = present.map(\.0.count).max() ?? 0
        for (label, value) in present {
            self.line(label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
    }

    /// Columns separated by two spaces, each as wide as its widest cell.
    static func table(_ rows: [[String]]) {
        guard let columns = rows.map(\.count).max() else { return }
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            self.line(cells.joined(separator: "  "))
        }
    }

    /// The column widths of `watch`, which prints one line at a time and cannot measure its rows first: wide enough
    /// for most references, any amount up to the default maximum, every state and a captured amount.
    static let streamWidths = [6, 20, 13, 13, 22]

    /// One line of fixed-width columns (a longer cell pushes only its own line); amounts are right-aligned.
    static func streamLine(_ cells: [String], rightAligned: Set<Int> = []) -> String {
        cells.enumerated().map { index, cell in
            guard index < cells.count - 1, index < self.streamWidths.count else { return cell }
            let pad = String(repeating: " ", count: max(0, self.streamWidths[index] - cell.count))
            return rightAligned.contains(index) ? pad + cell : cell + pad
        }.joined(separator: "  ")
    }

    /// A payment in full, for `status` and `pay`.
    static func payment(_ payment: WirePayment) {
        var state = payment.state
        if payment.final == true { state += " (final)" }
        self.fields(
            [
                ("reference", payment.reference),
                ("order id", payment.orderId),
                ("amount", self.amount(payment.amount, currency: payment.currency)),
                ("state", state),
                (
                    "captured",
                    payment.capturedAmount.flatMap { $0 > 0 ? self.amount($0, currency: payment.currency) : nil }
                ),
                (
                    "refunded",
                    payment.refundedAmount.flatMap { $0 > 0 ? self.amount($0, currency: payment.currency) : nil }
                ),
                (
                    "reserved",
                    payment.reservedAmount.flatMap { $0 > 0 ? self.amount($0, currency: payment.currency) : nil }
                ),
                ("text", payment.text),
                ("settlement", payment.settlement),
                ("created", payment.createdAt),
                ("updated", payment.updatedAt),
                ("expires", payment.final == true ? nil : payment.expiresAt),
                ("qr", payment.final == true ? nil : payment.qrText),
                ("error", payment.error.map { error in error.detail.map { "\(error.title): \($0)" } ?? error.title }),
                ("hint", payment.error?.hint),
                (
                    "unreconciled",
                    payment.unreconciled == true ? "qrpayd has not been able to ask Vipps since it started" : nil
                ),
            ]
                + (payment.operations ?? []).map { operation in
                    // "operation  capture 40.00 NOK pending (op-...)", with why it failed where it did.
                    let amount = operation.amount.map { " " + self.amount($0, currency: payment.currency) } ?? ""
                    let origin = operation.origin == "qrpayd" ? ", by qrpayd" : ""
                    let why = operation.error.map { ": \($0.title)" } ?? ""
                    return (
                        "operation", "\(operation.kind)\(amount) \(operation.state)\(why) (\(operation.id)\(origin))"
                    )
                }
        )
    }

    /// One line per payment, for `list` and `watch`.
    static func paymentRow(_ payment: WirePayment) -> [String] {
        [
            payment.reference,
            self.amount(payment.amount, currency: payment.currency),
            payment.state,
            payment.capturedAmount.flatMap { $0 > 0 ? "captured " + self.amount($0, currency: payment.currency) : nil }
                ?? "",
            payment.updatedAt ?? "",
        ]
    }

    /// `error: <title>: <detail>`, then what the operator can do about it.
    static func problem(_ problem: WireProblem) {
        self.error("error: \(problem.title)" + (problem.detail.map { ": \($0)" } ?? ""))
        if let hint = problem.hint { self.error("hint: \(hint)") }
        if let vipps = problem.vipps {
            let parts = [
                vipps.status.map { "HTTP \($0)" },
                vipps.errorGroup.map { "group \($0)" },
                vipps.errorCode.map { "code \($0)" },
                vipps.errorMessage,
            ].compactMap { $0 }
            if !parts.isEmpty { self.error("vipps: " + parts.joined(separator: ", ")) }
        }
    }
}
