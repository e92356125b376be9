import Foundation
import TestSupport
import Testing
import VippsAPI

/// The README's troubleshooting table is generated from ``VippsErrorGuidance/table``, so the two never disagree.
/// To regenerate it after changing the table: `QRPAYD_UPDATE_README=1 swift test --filter TroubleshootingTableTests`.
@Suite struct TroubleshootingTableTests {
    static let begin = "<!-- guidance table: generated from VippsErrorGuidance.table, do not edit by hand -->"
    static let end = "<!-- end of guidance table -->"

    static func markdown() -> String {
        var lines = [
            "| code (`problem.code`) | what happened | till gets | customer sees | retried by qrpayd | what it means, what to check |",
            "|---|---|---|---|---|---|",
        ]
        for row in VippsErrorGuidance.table {
            let hint = row.operatorHint.replacingOccurrences(of: "|", with: "\\|")
            lines.append(
                "| `\(row.id)` | \(row.title) | `\(row.tillErrorType.rawValue)` | \(row.customerMessage.rawValue) | "
                    + "\(row.retryable ? "yes" : "no") | \(hint) |"
            )
        }
        return lines.joined(separator: "\n")
    }

    @Test func readmeTableMatchesTheCode() throws {
        let readme = packageRoot.appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let start = try #require(text.range(of: Self.begin), "README.md has no generated guidance table")
        let stop = try #require(text.range(of: Self.end, range: start.upperBound..<text.endIndex))
        let current = text[start.upperBound..<stop.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        let expected = Self.markdown()
        if current != expected, ProcessInfo.processInfo.environment["QRPAYD_UPDATE_README"] == "1" {
            let updated = text.replacingCharacters(in: start.upperBound..<stop.lowerBound, with: "\n" + expected + "\n")
            try updated.write(to: readme, atomically: true, encoding: .utf8)
            return
        }
        #expect(current == expected, "README.md's troubleshooting table is out of date; see this test's doc comment")
    }
}
