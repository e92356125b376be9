import Foundation
import GRDB

@testable public import PaymentCore

/// A payment database that runs out of room the way it does on a full disk, without root or a small filesystem:
/// SQLite's `max_page_count` caps the store's own connection at the pages the file has, and the room left in them is
/// filled, so the next write that needs room fails with `SQLITE_FULL` (a real SQLite error from a real file).
public enum StoreSpace {
    /// The reference the filling events carry (never a till's: references are the till's, this has no prefix).
    static let fillerReference = "qrpayd-test-filler"

    /// Caps the database at the pages it has and fills the room left in them.
    public static func fill(_ store: PaymentStore) throws {
        try store.database.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages)")
        }
        // Events are written with every change of a payment; once their table has no room, no change can be stored.
        for size in [2048, 512, 128, 32, 8, 1] {
            while true {
                do {
                    try store.database.write { db in
                        try db.execute(
                            sql: "INSERT INTO event (reference, state, createdAt, payload) VALUES (?, 'filler', ?, ?)",
                            arguments: [Self.fillerReference, Date(), String(repeating: "x", count: size)]
                        )
                    }
                } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
                    break
                }
            }
        }
    }

    /// Space is back: lifts the cap (writing nothing).
    public static func liftCap(_ store: PaymentStore) throws {
        try store.database.writeWithoutTransaction { db in
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = 1073741823")
        }
    }

    /// Space is back: lifts the cap and removes the filling.
    public static func free(_ store: PaymentStore) throws {
        try Self.liftCap(store)
        try store.database.write { db in
            try db.execute(sql: "DELETE FROM event WHERE reference = ?", arguments: [Self.fillerReference])
        }
    }
}
