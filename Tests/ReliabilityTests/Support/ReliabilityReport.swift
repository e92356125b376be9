import Foundation
import TestSupport

/// The figures of one reliability run: printed as one line and written to `.build/reliability/<name>.json`, where
/// the README's "Reliability" section takes them from.
struct ReliabilityReport: Codable, Sendable {
    var name: String
    var mode: String
    var seed: UInt64
    var payments = 0
    var outcomes: [String: Int] = [:]
    var behaviours: [String: Int] = [:]
    var faultsInjected = 0
    var faults: [String: Int] = [:]
    var crashes = 0
    var tornWrites = 0
    var crashPoints: [String: Int] = [:]
    var vippsRequests = 0
    var invariantsChecked: [String] = []
    var violations: [String] = []
    var before: DaemonFootprint?
    var after: DaemonFootprint?
    /// Resident memory every tenth of the soak: a leak climbs steadily, a cache levels off.
    var residentKiBCurve: [Int] = []
    var seconds = 0.0

    init(name: String, mode: ReliabilityMode) {
        self.name = name
        self.mode = mode.name
        self.seed = mode.seed
    }

    mutating func count(fault: FaultPlan?) {
        guard let fault else { return }
        self.faultsInjected += 1
        let kind = String(fault.name.prefix { $0 != " " && $0 != "×" && $0 != "(" })
        self.faults[kind, default: 0] += 1
    }

    /// Memory, descriptors and threads after the run against before it: the bounds a months-long run needs.
    var resourceViolations: [String] {
        guard let before = self.before, let after = self.after else { return ["resources: not sampled"] }
        var found: [String] = []
        if after.residentKiB - before.residentKiB > Self.memoryGrowthBoundKiB {
            found.append("resources: memory grew from \(before) to \(after)")
        }
        // Files, pipes and till connections must be back exactly; the pool of connections to Vipps may differ by
        // the odd connection its HTTP client keeps or lets go.
        if after.nonSockets > before.nonSockets || after.unixSockets > before.unixSockets
            || after.otherSockets > before.otherSockets + 2
        {
            found.append("resources: descriptors \(before) → \(after)")
        }
        if after.threads > before.threads + 2 { found.append("resources: threads \(before) → \(after)") }
        return found
    }

    /// Allocator arenas and caches settle in the first few hundred payments; a leak shows as steady growth past it.
    static let memoryGrowthBoundKiB = 12 * 1024

    func publish() {
        let summary =
            "RELIABILITY \(self.name) [\(self.mode), seed \(self.seed)]: \(self.payments) payments \(self.outcomes), "
            + "\(self.faultsInjected) faults \(self.faults), \(self.crashes) crashes \(self.crashPoints) (\(self.tornWrites) torn writes), "
            + "\(self.vippsRequests) Vipps requests, \(self.violations.count) violations, "
            + "resources before \(self.before?.description ?? "-") after \(self.after?.description ?? "-"), \(Int(self.seconds)) s"
        print(summary)
        let directory = packageRoot.appendingPathComponent(".build/reliability")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if let data = try? encoder.encode(self) {
            try? data.write(to: directory.appendingPathComponent("\(self.name).json"))
        }
    }
}
