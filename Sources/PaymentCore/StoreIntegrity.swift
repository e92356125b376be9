import Foundation
import GRDBSQLite

/// Looks at an existing payment database without changing a byte of it, before qrpayd opens it for writing.
///
/// Opening a damaged file read-write can already change it (SQLite checkpoints and rewrites pages on close), and
/// what an operator needs for a rescue is the file exactly as the power cut left it. So the first look is through
/// an `immutable` read-only connection, which takes no locks and creates no `-wal` or `-shm` file.
enum StoreIntegrity {
    /// `nil` if the file reads as a sound SQLite database; otherwise what is wrong with it.
    static func problem(at path: String) -> String? {
        let escaped = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
        var connection: OpaquePointer?
        defer { sqlite3_close_v2(connection) }
        let opened = sqlite3_open_v2(
            "file:\(escaped)?immutable=1",
            &connection,
            SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
            nil
        )
        guard opened == SQLITE_OK, let connection else {
            return "SQLite cannot open it (\(String(cString: sqlite3_errstr(opened))))"
        }
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        guard sqlite3_prepare_v2(connection, "PRAGMA quick_check", -1, &statement, nil) == SQLITE_OK else {
            return String(cString: sqlite3_errmsg(connection))
        }
        var findings: [String] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { return String(cString: sqlite3_errmsg(connection)) }
            if let text = sqlite3_column_text(statement, 0) { findings.append(String(cString: text)) }
            if findings.count >= 3 { break }
        }
        return findings == ["ok"] ? nil : findings.joined(separator: "; ")
    }
}
