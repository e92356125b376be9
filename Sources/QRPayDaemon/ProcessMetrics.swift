import Foundation
import Metrics
import Synchronization

/// The standard `process_*` metrics Prometheus client libraries export (resident and virtual memory, CPU seconds,
/// open and maximum descriptors, start time), read from `/proc/self` at each scrape.
final class ProcessMetrics: Sendable {
    private let factory: any MetricsFactory
    /// CPU seconds already added to the counter (it only counts up).
    private let countedCPUSeconds = Mutex<Double>(0)

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func record() {
        guard let stat = ProcessStat.read() else { return }
        Gauge(label: "process_resident_memory_bytes", factory: self.factory).record(stat.residentBytes)
        Gauge(label: "process_virtual_memory_bytes", factory: self.factory).record(stat.virtualBytes)
        Gauge(label: "process_start_time_seconds", factory: self.factory).record(stat.startTime)
        let newCPU = self.countedCPUSeconds.withLock { counted -> Double in
            let added = max(0, stat.cpuSeconds - counted)
            counted += added
            return added
        }
        FloatingPointCounter(label: "process_cpu_seconds_total", factory: self.factory).increment(by: newCPU)
        if let open = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            Gauge(label: "process_open_fds", factory: self.factory).record(open.count)
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            Gauge(label: "process_max_fds", factory: self.factory).record(Double(limit.rlim_cur))
        }
    }
}

/// What `/proc/self/stat` says about this process.
struct ProcessStat: Sendable, Hashable {
    var cpuSeconds: Double
    var residentBytes: Double
    var virtualBytes: Double
    /// Seconds since the Unix epoch.
    var startTime: Double

    static func read() -> ProcessStat? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let system = try? String(contentsOfFile: "/proc/stat", encoding: .utf8)
        else { return nil }
        return self.parse(
            stat: stat,
            system: system,
            ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))),
            pageSize: Double(sysconf(Int32(_SC_PAGESIZE)))
        )
    }

    /// Parses `/proc/self/stat` (fields after the command name, which may itself hold spaces and parentheses) and
    /// the boot time from `/proc/stat`.
    static func parse(stat: String, system: String, ticksPerSecond: Double, pageSize: Double) -> ProcessStat? {
        guard let close = stat.lastIndex(of: ")"), ticksPerSecond > 0 else { return nil }
        // Field 3 (state) is the first after ") ".
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double? {
            let index = number - 3
            return fields.indices.contains(index) ? Double(fields[index]) : nil
        }
        guard let userTicks = field(14), let systemTicks = field(15), let startTicks = field(22),
            let virtualBytes = field(23), let residentPages = field(24),
            let bootLine = system.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let bootTime = Double(bootLine.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
        else { return nil }
        return ProcessStat(
            cpuSeconds: (userTicks + systemTicks) / ticksPerSecond,
            residentBytes: residentPages * pageSize,
            virtualBytes: virtualBytes,
            startTime: bootTime + startTicks / ticksPerSecond
        )
    }
}
