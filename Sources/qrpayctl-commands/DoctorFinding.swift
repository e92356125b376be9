import Foundation

/// One thing `qrpayctl doctor` looked at: what it found, and how to fix it when something is wrong.
struct DoctorFinding: Sendable, Encodable {
    enum Status: String, Sendable, Encodable {
        case ok
        case warning
        case fail

        var symbol: String {
            switch self {
            case .ok: "✔"
            case .warning: "!"
            case .fail: "✘"
            }
        }
    }

    var name: String
    var status: Status
    var detail: String
    var fix: String?

    static func ok(_ name: String, _ detail: String) -> DoctorFinding {
        DoctorFinding(name: name, status: .ok, detail: detail, fix: nil)
    }

    static func warning(_ name: String, _ detail: String, fix: String?) -> DoctorFinding {
        DoctorFinding(name: name, status: .warning, detail: detail, fix: fix)
    }

    static func fail(_ name: String, _ detail: String, fix: String?) -> DoctorFinding {
        DoctorFinding(name: name, status: .fail, detail: detail, fix: fix)
    }

    enum CodingKeys: String, CodingKey {
        case name, status, detail, fix
    }

    /// `fix` is always present (null when there is nothing to fix), so fleet tools can rely on the shape.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.name, forKey: .name)
        try container.encode(self.status, forKey: .status)
        try container.encode(self.detail, forKey: .detail)
        if let fix = self.fix {
            try container.encode(fix, forKey: .fix)
        } else {
            try container.encodeNil(forKey: .fix)
        }
    }
}

/// Everything `qrpayctl doctor` found, printed for people or as JSON for fleet tooling.
struct DoctorReport: Sendable, Encodable {
    var ok: Bool
    var checks: [DoctorFinding]

    init(checks: [DoctorFinding]) {
        self.checks = checks
        self.ok = !checks.contains { $0.status == .fail }
    }

    func printJSON() {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else {
            Output.error("error: the report could not be written as JSON.")
            return
        }
        Output.line(String(decoding: data, as: UTF8.self))
    }

    func printText() {
        let width = self.checks.map(\.name.count).max() ?? 0
        for check in self.checks {
            Output.line(
                "\(check.status.symbol) \(check.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(check.detail)"
            )
            if let fix = check.fix {
                Output.line(String(repeating: " ", count: width + 4) + "fix: " + fix)
            }
        }
        let failures = self.checks.filter { $0.status == .fail }.count
        let warnings = self.checks.filter { $0.status == .warning }.count
        Output.line()
        if failures == 0 && warnings == 0 {
            Output.line("All checks passed.")
        } else {
            Output.line(
                "\(failures) problem\(failures == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")."
            )
        }
    }
}
