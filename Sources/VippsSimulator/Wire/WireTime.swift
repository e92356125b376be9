import Foundation

/// Vipps' timestamps: ISO-8601 in UTC with milliseconds, e.g. `2018-11-14T15:23:02.286Z`.
enum WireTime {
    static func string(from date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }

    static func epochSeconds(_ date: Date) -> String {
        String(Int(date.timeIntervalSince1970))
    }
}
