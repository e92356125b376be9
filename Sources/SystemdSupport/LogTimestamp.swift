import Glibc

/// The current time as ISO 8601 in UTC with milliseconds (`2026-11-05T09:41:07.123Z`), from `clock_gettime` and
/// `gmtime_r`: no Foundation formatter, no locale, no time zone database.
enum LogTimestamp {
    static func now() -> String {
        var instant = timespec()
        clock_gettime(CLOCK_REALTIME, &instant)
        var parts = tm()
        var seconds = instant.tv_sec
        guard gmtime_r(&seconds, &parts) != nil else { return "0000-00-00T00:00:00.000Z" }
        let date = "\(Int(parts.tm_year) + 1900)-\(self.padded(parts.tm_mon + 1, 2))-\(self.padded(parts.tm_mday, 2))"
        let time = "\(self.padded(parts.tm_hour, 2)):\(self.padded(parts.tm_min, 2)):\(self.padded(parts.tm_sec, 2))"
        return "\(date)T\(time).\(self.padded(Int32(instant.tv_nsec / 1_000_000), 3))Z"
    }

    private static func padded(_ value: Int32, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
