import Foundation
import Metrics
import Synchronization

/// The standard `process_*` metrics Prometheus client libraries export (resident and virtual memory, CPU seconds,
/// open and maximum descriptors, start time), read from `/proc/self` at each scrape.
final class ProcessMetrics: Sendable {
    private let factory: any MetricsFactory
    /// CPU seconds already added to the counter (it only counts up).
    private let countedCPUSeconds = Mutex<Double>(0)
    /// When the process started, worked out at the first scrape.
    private let startTime = Mutex<Double?>(nil)

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func record() {
        guard let stat = ProcessStat.read() else { return }
        Gauge(label: "process_resident_memory_bytes", factory: self.factory).record(stat.residentBytes)
        Gauge(label: "process_virtual_memory_bytes", factory: self.factory).record(stat.virtualBytes)
        let started = self.startTime.withLock { known -> Double? in
            if known == nil { known = stat.startTime() }
            return known
        }
        if let started { Gauge(label: "process_start_time_seconds", factory: self.factory).record(started) }
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

/// What `/proc/self/stat` says about this process. Only `/proc/self` is read: under the unit's `ProcSubset=pid`
/// the rest of `/proc` (boot time in `/proc/stat`) is not there.
struct ProcessStat: Sendable, Hashable {
    var cpuSeconds: Double
    var residentBytes: Double
    var virtualBytes: Double
    /// Seconds since boot when the process started.
    var startedSinceBoot: Double

    static func read() -> ProcessStat? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8) else { return nil }
        return self.parse(
            stat: stat,
            ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))),
            pageSize: Double(sysconf(Int32(_SC_PAGESIZE)))
        )
    }

    /// Parses `/proc/self/stat`: the fields after the command name, which may itself hold spaces and parentheses.
    static func parse(stat: String, ticksPerSecond: Double, pageSize: Double) -> ProcessStat? {
        guard let close = stat.lastIndex(of: ")"), ticksPerSecond > 0 else { return nil }
        // Field 3 (state) is the first after ") ".
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double? {
            let index = number - 3
            return fields.indices.contains(index) ? Double(fields[index]) : nil
        }
        guard let userTicks = field(14), let systemTicks = field(15), let startTicks = field(22),
            let virtualBytes = field(23), let residentPages = field(24)
        else { return nil }
        return ProcessStat(
            cpuSeconds: (userTicks + systemTicks) / ticksPerSecond,
            residentBytes: residentPages * pageSize,
            virtualBytes: virtualBytes,
            startedSinceBoot: startTicks / ticksPerSecond
        )
    }

    /// The Unix time the process started: now, less the time since it started on the system's uptime clock (which
    /// pauses while the machine sleeps; a kiosk box does not). Computed once per process, so every scrape reports
    /// the same value (the restart alert counts its changes).
    func startTime(now: Date = Date(), uptime: TimeInterval = ProcessInfo.processInfo.systemUptime) -> Double {
        (now.timeIntervalSince1970 - (uptime - self.startedSinceBoot)).rounded()
    }
}
