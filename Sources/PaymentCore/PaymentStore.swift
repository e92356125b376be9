public import Foundation
import GRDB
import Synchronization

/// Why the state store could not be used. The daemon refuses to start rather than guess.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case cannotOpen = "cannot-open"
        case corrupt
        case missing
        case writeFailed = "write-failed"
        /// A payload written by a newer qrpayd (see ``StoredPayment``).
        case newerSchema = "newer-schema"
    }

    public var kind: Kind
    public var message: String
    public var description: String { self.message }
}

/// The creation of a payment at Vipps, written down before it is sent (write-ahead), so a crash between sending it
/// and hearing the answer leaves a note to look the payment up. (Schema v1 also kept captures, refunds and cancels
/// here; they are ``MoneyOperation``s now.)
public struct PaymentIntent: Sendable, Hashable {
    public enum Operation: String, Sendable, Hashable, Codable {
        case initiate, capture, cancel, refund
    }

    public var id: Int64
    public var reference: String
    public var operation: Operation
    public var sequence: Int
    /// Derived from the orderId: the same on every retry.
    public var requestId: String
    public var amount: Int?
    public var createdAt: Date
}

/// The durable record of every payment, every state change and every intent: SQLite through GRDB, in WAL mode with
/// `synchronous=FULL`, so a change that was announced survives a power cut.
public final class PaymentStore: Sendable {
    /// The file name inside the state directory.
    public static let fileName = "qrpayd.sqlite"
    /// Written next to the database once it exists; if the database is gone but this is here, data was lost.
    public static let markerName = "qrpayd.sqlite.created"

    let database: DatabaseQueue
    public let path: String
    /// Why the last write to the database failed for want of storage (disk full, I/O error, read-only), until a
    /// write succeeds again; nil while writes succeed.
    private let writeFailure = Mutex<WriteFailure?>(nil)

    /// Opens (or on first start creates) the store in `directory`.
    ///
    /// - Throws: ``StoreError`` if the database is unreadable, fails its integrity check, or has vanished although
    ///   this directory had one before.
    public init(directory: String) throws(StoreError) {
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        let marker = (directory as NSString).appendingPathComponent(Self.markerName)
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: path) && fileManager.fileExists(atPath: marker) {
            throw StoreError(
                kind: .missing,
                message:
                    "The payment database \(path) is missing, but this state directory had one. qrpayd will not start "
                    + "with an empty store, because payments that were open would be forgotten. Restore the file from "
                    + "a backup, or, if you are sure nothing was open, remove \(marker) to start afresh."
            )
        }
        if fileManager.fileExists(atPath: path), let problem = StoreIntegrity.problem(at: path) {
            throw StoreError(kind: .corrupt, message: Self.damaged(path, problem))
        }
        // The read-only look saw the main file only; changes still in the write-ahead log (left by a crash) are
        // checked once SQLite has read them in.
        let logToCheck = fileManager.fileExists(atPath: path + "-wal")
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(5)
        configuration.label = "qrpayd.store"
        configuration.prepareDatabase { db in
            // Every commit reaches the disk before the change is announced.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            self.database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw StoreError(kind: .cannotOpen, message: Self.damaged(path, "\(error)"))
        }
        self.path = path
        do {
            let quickCheck: @Sendable (Database) throws -> [String] = { db in
                try String.fetchAll(db, sql: "PRAGMA quick_check")
            }
            let check = logToCheck ? try self.database.read(quickCheck) : ["ok"]
            guard check == ["ok"] else {
                throw StoreError(kind: .corrupt, message: Self.damaged(path, check.prefix(3).joined(separator: "; ")))
            }
            try Self.migrator.migrate(self.database)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(kind: .corrupt, message: Self.damaged(path, "\(error)"))
        }
        if !fileManager.fileExists(atPath: marker) {
            let written = fileManager.createFile(
                atPath: marker,
                contents: Data("qrpayd state directory\n".utf8),
                attributes: [.posixPermissions: 0o600]
            )
            guard written else {
                // Without the marker a vanished database would later be replaced by an empty one unnoticed.
                throw StoreError(
                    kind: .writeFailed,
                    message: "Cannot write \(marker) in the state directory; check its owner and free space."
                )
            }
        }
    }

    // MARK: Writability

    /// A write that failed for want of storage: what SQLite said, and since when.
    public struct WriteFailure: Sendable, Hashable {
        /// What SQLite said, e.g. `database or disk is full (SQLite error 13)`.
        public var reason: String
        /// When the first write in this run of failures failed.
        public var since: Date
    }

    /// Why writes are failing now, or nil while they succeed: set by any write that fails for want of storage (a
    /// full disk, an I/O error, a read-only file), cleared by the next one that succeeds (see ``probeWrite()``).
    public var writeProblem: WriteFailure? { self.writeFailure.withLock { $0 } }

    /// How much a probe writes (and deletes again): several times a payment's change, so a store that passes it can
    /// take the next payment.
    static let probeBytes = 64 * 1024

    /// While writes are failing, tries a write of ``probeBytes`` (into the `writeProbe` table, deleted again in the
    /// same transaction), so that space coming back is noticed without waiting for a payment. Does nothing while
    /// writes succeed.
    ///
    /// - Returns: whether the store takes writes now.
    @discardableResult
    public func probeWrite() -> Bool {
        guard self.writeProblem != nil else { return true }
        do {
            try self.writing("write to \(self.path)") { db in
                try db.execute(
                    sql: "INSERT INTO writeProbe (filler) VALUES (zeroblob(?))",
                    arguments: [Self.probeBytes]
                )
                try db.execute(sql: "DELETE FROM writeProbe")
            }
            return true
        } catch {
            return false
        }
    }

    /// Runs `updates` in a write transaction, keeping ``writeProblem`` up to date; a failure is "Cannot `what`: ...".
    private func writing<T>(_ what: String, _ updates: (Database) throws -> T) throws(StoreError) -> T {
        do {
            let result = try self.database.write(updates)
            self.writeFailure.withLock { $0 = nil }
            return result
        } catch {
            if let reason = Self.storageFailure(error) {
                self.writeFailure.withLock { failure in
                    failure = WriteFailure(reason: reason, since: failure?.since ?? Date())
                }
            }
            throw StoreError(kind: .writeFailed, message: "Cannot \(what): \(error).")
        }
    }

    /// What SQLite said when `error` is a failure of the storage underneath (rather than, say, a constraint).
    static func storageFailure(_ error: any Error) -> String? {
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_NOTADB,
            .SQLITE_CORRUPT, .SQLITE_NOMEM, .SQLITE_NOLFS:
            return "\(error.message ?? "write failed") (SQLite error \(error.extendedResultCode.rawValue))"
        default:
            return nil
        }
    }

    /// The one explanation of a database that cannot be trusted: what is wrong, and what the operator does next.
    static func damaged(_ path: String, _ problem: String) -> String {
        "The payment database \(path) is damaged or unreadable (\(problem)). qrpayd will not guess what it held and has "
            + "left the file as it found it. Keep a copy for inspection, restore a backup, and settle payments that were "
            + "open from the Vipps portal."
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: payments, events, intents") { db in
            try db.create(table: "payment") { table in
                table.primaryKey("reference", .text)
                table.column("orderId", .text).notNull().unique()
                table.column("state", .text).notNull()
                table.column("final", .boolean).notNull()
                table.column("createdAt", .datetime).notNull()
                table.column("updatedAt", .datetime).notNull()
                table.column("fingerprint", .text).notNull()
                table.column("paymentURL", .text)
                table.column("cancelRequested", .boolean).notNull().defaults(to: false)
                table.column("payload", .jsonText).notNull()
            }
            try db.create(index: "payment_open", on: "payment", columns: ["final", "state"])
            try db.create(table: "event") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("reference", .text).notNull()
                table.column("state", .text).notNull()
                table.column("createdAt", .datetime).notNull()
                table.column("payload", .jsonText).notNull()
            }
            try db.create(table: "intent") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("reference", .text).notNull().references("payment", onDelete: .restrict)
                table.column("operation", .text).notNull()
                table.column("sequence", .integer).notNull()
                table.column("requestId", .text).notNull()
                table.column("amount", .integer)
                table.column("status", .text).notNull()
                table.column("createdAt", .datetime).notNull()
                table.column("finishedAt", .datetime)
                table.column("outcome", .text)
                table.uniqueKey(["reference", "operation", "sequence"])
            }
        }
        migrator.registerMigration("v2: money operations") { db in
            try db.create(table: "operation") { table in
                table.primaryKey("id", .text)
                table.column("reference", .text).notNull().references("payment", onDelete: .restrict)
                table.column("kind", .text).notNull()
                table.column("amount", .integer)
                table.column("state", .text).notNull()
                table.column("origin", .text).notNull()
                table.column("idempotencyKey", .text)
                table.column("fingerprint", .text).notNull()
                table.column("vippsRequestId", .text).notNull().unique()
                table.column("createdAt", .datetime).notNull()
                table.column("finishedAt", .datetime)
                table.column("payload", .jsonText).notNull()
                table.uniqueKey(["reference", "idempotencyKey"])
            }
            try db.create(index: "operation_state", on: "operation", columns: ["state"])
            try db.create(index: "operation_reference", on: "operation", columns: ["reference"])
            try db.alter(table: "payment") { table in
                table.add(column: "unsettled", .boolean).notNull().defaults(to: false)
            }
            try Self.migrateIntents(db)
        }
        migrator.registerMigration("v3: write probe") { db in
            // Written to and emptied again while writes are failing, to notice space coming back (probeWrite()).
            try db.create(table: "writeProbe") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("filler", .blob).notNull()
            }
            // The retention finds and deletes a payment's events by reference.
            try db.create(index: "event_reference", on: "event", columns: ["reference"])
            // The newest event the retention deleted, so a till replaying from before it is told history is gone.
            try db.create(table: "pruned") { table in
                table.primaryKey("id", .integer).check { $0 == 1 }
                table.column("lastEventID", .integer).notNull()
            }
        }
        return migrator
    }

    /// Turns the write-ahead intents of capture, refund and cancel (schema v1) into operations. Each keeps its
    /// `X-Request-Id`, so a capture or refund that was pending when the old version stopped is finished, not repeated.
    private static func migrateIntents(_ db: Database) throws {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT intent.*, payment.payload AS paymentPayload FROM intent
                JOIN payment ON payment.reference = intent.reference
                WHERE intent.operation IN ('capture', 'refund', 'cancel') ORDER BY intent.id
                """
        )
        for row in rows {
            let operationName: String = row["operation"]
            guard let kind = MoneyOperation.Kind(rawValue: operationName) else { continue }
            let paymentPayload: String = row["paymentPayload"]
            let payment = try Self.payment(
                fromPayload: paymentPayload,
                subject: "Payment \(row["reference"] as String)"
            )
            let status: String = row["status"]
            let amount: Int? = row["amount"]
            let origin: MoneyOperation.Origin
            switch kind {
            case .capture: origin = payment.settlement == .auto ? .qrpayd : .till
            case .refund: origin = .till
            case .cancel: origin = payment.state == .failed || payment.error?.code == "qrpayd-expired" ? .qrpayd : .till
            }
            var operation = MoneyOperation(
                kind: kind,
                amount: kind == .cancel ? nil : amount,
                origin: origin,
                caller: nil,
                idempotencyKey: nil,
                fingerprint: MoneyOperation.fingerprint(kind, requestedAmount: amount),
                at: row["createdAt"]
            )
            operation.vippsRequestId = row["requestId"]
            switch status {
            case "done": operation.state = .succeeded
            case "failed": operation.state = .failed
            default: operation.state = .pending
            }
            operation.finishedAt = row["finishedAt"]
            if operation.state == .failed {
                let outcome: String? = row["outcome"]
                operation.error = PaymentError(
                    type: "urn:qrpayd:error:vipps-rejected",
                    code: outcome ?? "refused",
                    title: "Vipps refused the \(kind.rawValue)"
                )
            }
            try Self.upsert(operation, reference: payment.reference, in: db)
            try db.execute(
                sql: "UPDATE intent SET status = 'migrated' WHERE id = ? AND status = 'pending'",
                arguments: [row["id"] as Int64]
            )
        }
        // Payments whose rest is still reserved, and those with pending operations, are unsettled.
        for row in try Row.fetchAll(db, sql: "SELECT reference, payload FROM payment") {
            let payload: String = row["payload"]
            let reference: String = row["reference"]
            var payment = try Self.payment(fromPayload: payload, subject: "Payment \(reference)")
            payment.operations = try Self.operations(reference: payment.reference, in: db)
            try db.execute(
                sql: "UPDATE payment SET unsettled = ? WHERE reference = ?",
                arguments: [payment.isUnsettled, payment.reference]
            )
        }
    }

    private static func upsert(_ operation: MoneyOperation, reference: String, in db: Database) throws {
        let stored = StoredMoneyOperation(operation, schema: StoredPayment.schemaVersion)
        let payload = String(decoding: try Self.encoder.encode(stored), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO operation (id, reference, kind, amount, state, origin, idempotencyKey, fingerprint,
                    vippsRequestId, createdAt, finishedAt, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET state = excluded.state, finishedAt = excluded.finishedAt,
                    payload = excluded.payload
                """,
            arguments: [
                operation.id, reference, operation.kind.rawValue, operation.amount, operation.state.rawValue,
                operation.origin.rawValue, operation.idempotencyKey, operation.fingerprint, operation.vippsRequestId,
                operation.createdAt, operation.finishedAt, payload,
            ]
        )
    }

    private static func operations(reference: String, in db: Database) throws -> [MoneyOperation] {
        try Row.fetchAll(
            db,
            sql: "SELECT id, fingerprint, payload FROM operation WHERE reference = ? ORDER BY createdAt, rowid",
            arguments: [reference]
        ).map { row in
            let payload: String = row["payload"]
            let stored: StoredMoneyOperation
            do {
                stored = try Self.decoder.decode(StoredMoneyOperation.self, from: Data(payload.utf8))
            } catch var error as StoredPayment.NewerSchema {
                error.subject = "Operation \(row["id"] as String) of payment \(reference)"
                throw error
            }
            var operation = stored.operation
            operation.fingerprint = row["fingerprint"]
            return operation
        }
    }

    // MARK: Payments and events

    /// What the store keeps of a payment: the domain payment (with its operations; its payload is a
    /// ``StoredPayment``) plus what only the daemon needs.
    public struct Record: Sendable, Hashable {
        public var payment: Payment
        /// A digest of the creating request, to tell a retry from a different payment with the same reference.
        public var fingerprint: String
        /// Vipps' landing-page URL, kept to ask the QR API again after a restart.
        public var paymentURL: String?

        public init(payment: Payment, fingerprint: String, paymentURL: String? = nil) {
            self.payment = payment
            self.fingerprint = fingerprint
            self.paymentURL = paymentURL
        }

        /// A cancel was asked for (by the till or by qrpayd) and not refused: the customer must not be charged.
        public var cancelRequested: Bool { self.payment.cancelRequested }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// The domain payment of a `payment` or `event` row's payload (any schema this build knows, see ``StoredPayment``).
    ///
    /// - Throws: ``StoredPayment/NewerSchema`` naming `subject` for a payload of a newer qrpayd, or the decoding error.
    static func payment(fromPayload payload: String, subject: String) throws -> Payment {
        do {
            return try Self.decoder.decode(StoredPayment.self, from: Data(payload.utf8)).payment
        } catch var error as StoredPayment.NewerSchema {
            error.subject = subject
            throw error
        }
    }

    /// The payload a `payment` and an `event` row keep of `payment`: a ``StoredPayment`` in the current schema.
    static func payload(of payment: Payment) throws -> String {
        String(decoding: try Self.encoder.encode(StoredPayment(payment)), as: UTF8.self)
    }

    /// A read that failed: a payload of a newer qrpayd says so (``StoreError/Kind/newerSchema``); anything else is
    /// damage.
    private func readError(_ error: any Error, reading what: String) -> StoreError {
        if let newer = error as? StoredPayment.NewerSchema {
            return StoreError(kind: .newerSchema, message: "\(newer) (in \(self.path))")
        }
        return StoreError(kind: .corrupt, message: "Cannot read \(what) from \(self.path): \(error).")
    }

    /// Writes the record, its operations and its event in one transaction; returns the event.
    @discardableResult
    public func save(_ record: Record, isNew: Bool = false) throws(StoreError) -> PaymentEvent {
        try self.saveChange(record, isNew: isNew).event
    }

    /// What a save changed, read in the same transaction: the state the payment had before (nil when it is new) and
    /// the operations that became final with it. The engine's metrics count from this, so a change is counted once.
    public struct Change: Sendable {
        public var event: PaymentEvent
        public var previousState: PaymentState?
        public var finishedOperations: [MoneyOperation]
    }

    /// ``save(_:isNew:)``, also telling what the save changed.
    public func saveChange(_ record: Record, isNew: Bool = false) throws(StoreError) -> Change {
        try self.writing("write payment \(record.payment.reference)") { db -> Change in
            var previousState: PaymentState?
            var previousOperations: [String: String] = [:]
            if !isNew {
                let stored = try String.fetchOne(
                    db,
                    sql: "SELECT state FROM payment WHERE reference = ?",
                    arguments: [record.payment.reference]
                )
                previousState = stored.flatMap(PaymentState.init(rawValue:))
                for row in try Row.fetchAll(
                    db,
                    sql: "SELECT id, state FROM operation WHERE reference = ?",
                    arguments: [record.payment.reference]
                ) {
                    previousOperations[row["id"]] = row["state"]
                }
            }
            let finished = record.payment.operations.filter {
                !$0.isPending && previousOperations[$0.id] != $0.state.rawValue
            }
            let event = try Self.write(record, isNew: isNew, in: db)
            return Change(event: event, previousState: previousState, finishedOperations: finished)
        }
    }

    private static func write(_ record: Record, isNew: Bool, in db: Database) throws -> PaymentEvent {
        let payload = try Self.payload(of: record.payment)
        let arguments: StatementArguments = [
            record.payment.reference, record.payment.orderId, record.payment.state.rawValue,
            record.payment.final, record.payment.createdAt, record.payment.updatedAt, record.fingerprint,
            record.paymentURL, record.cancelRequested, payload, record.payment.isUnsettled,
        ]
        if isNew {
            try db.execute(
                sql: """
                    INSERT INTO payment (reference, orderId, state, final, createdAt, updatedAt, fingerprint,
                        paymentURL, cancelRequested, payload, unsettled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: arguments
            )
        } else {
            try db.execute(
                sql: """
                    UPDATE payment SET orderId = ?2, state = ?3, final = ?4, createdAt = ?5, updatedAt = ?6,
                        fingerprint = ?7, paymentURL = ?8, cancelRequested = ?9, payload = ?10, unsettled = ?11
                    WHERE reference = ?1
                    """,
                arguments: arguments
            )
        }
        for operation in record.payment.operations {
            try Self.upsert(operation, reference: record.payment.reference, in: db)
        }
        try db.execute(
            sql: "INSERT INTO event (reference, state, createdAt, payload) VALUES (?, ?, ?, ?)",
            arguments: [
                record.payment.reference, record.payment.state.rawValue, record.payment.updatedAt, payload,
            ]
        )
        return PaymentEvent(id: db.lastInsertedRowID, payment: record.payment)
    }

    /// Keeps the landing-page URL without announcing anything: the payment has not changed for the till yet.
    public func savePaymentURL(_ record: Record) throws(StoreError) {
        try self.writing("write payment \(record.payment.reference)") { db in
            try db.execute(
                sql: "UPDATE payment SET paymentURL = ? WHERE reference = ?",
                arguments: [record.paymentURL, record.payment.reference]
            )
        }
    }

    public func record(reference: String) throws(StoreError) -> Record? {
        try self.records(sql: "SELECT * FROM payment WHERE reference = ?", arguments: [reference]).first
    }

    /// Payments qrpayd or the till must still act on: not final, money still reserved, an operation pending, or a
    /// creation that never finished.
    public func openRecords() throws(StoreError) -> [Record] {
        try self.records(
            sql: """
                SELECT * FROM payment WHERE final = 0 OR unsettled = 1
                   OR reference IN (SELECT reference FROM operation WHERE state = 'pending')
                   OR reference IN (SELECT reference FROM intent WHERE status = 'pending')
                ORDER BY createdAt
                """,
            arguments: []
        )
    }

    /// What recovery looks at: every open payment, and every payment that changed since `date`.
    public func recordsToReconcile(changedSince date: Date) throws(StoreError) -> [Record] {
        try self.records(
            sql: """
                SELECT * FROM payment WHERE final = 0 OR unsettled = 1 OR updatedAt >= ?
                   OR reference IN (SELECT reference FROM operation WHERE state = 'pending')
                   OR reference IN (SELECT reference FROM intent WHERE status = 'pending')
                ORDER BY createdAt
                """,
            arguments: [date]
        )
    }

    /// The newest payments first.
    public func recentRecords(limit: Int) throws(StoreError) -> [Record] {
        try self.records(sql: "SELECT * FROM payment ORDER BY createdAt DESC LIMIT ?", arguments: [limit])
    }

    private func records(sql: String, arguments: StatementArguments) throws(StoreError) -> [Record] {
        do {
            return try self.database.read { db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    let payload: String = row["payload"]
                    let reference: String = row["reference"]
                    var payment = try Self.payment(fromPayload: payload, subject: "Payment \(reference)")
                    // The operation table is the truth; the payload's copy is what the last event said.
                    payment.operations = try Self.operations(reference: payment.reference, in: db)
                    return Record(payment: payment, fingerprint: row["fingerprint"], paymentURL: row["paymentURL"])
                }
            }
        } catch {
            throw self.readError(error, reading: "payments")
        }
    }

    /// Events after `id`, oldest first, for SSE replay.
    public func events(after id: Int64, limit: Int = 1000) throws(StoreError) -> [PaymentEvent] {
        do {
            return try self.database.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT id, payload FROM event WHERE id > ? ORDER BY id LIMIT ?",
                    arguments: [id, limit]
                )
                .map { row in
                    let payload: String = row["payload"]
                    let id: Int64 = row["id"]
                    return PaymentEvent(id: id, payment: try Self.payment(fromPayload: payload, subject: "Event \(id)"))
                }
            }
        } catch {
            throw self.readError(error, reading: "events")
        }
    }

    /// The id of the newest event (0 when there is none).
    public func lastEventID() throws(StoreError) -> Int64 {
        do {
            return try self.database.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM event") ?? 0 }
        } catch {
            throw StoreError(kind: .corrupt, message: "Cannot read events from \(self.path): \(error).")
        }
    }

    // MARK: Retention

    /// What one batch of ``pruneSettled(changedBefore:after:limit:keeping:)`` did.
    public struct PruneBatch: Sendable, Hashable {
        /// Payments deleted, with their events, operations and intents.
        public var deleted: Int
        /// Payments looked at (deleted or kept); fewer than the limit means there are no more.
        public var examined: Int
        /// Where the next batch starts (the `rowid` of the last payment looked at).
        public var cursor: Int64
    }

    /// Deletes, in one transaction, up to `limit` payments after `cursor` that are final and settled (nothing
    /// reserved, no pending operation or intent, not unreconciled, not in `keeping`) and last changed before
    /// `date`, together with their events, operations and intents. An unsettled payment is never deleted, however old.
    public func pruneSettled(
        changedBefore date: Date,
        after cursor: Int64 = 0,
        limit: Int,
        keeping: Set<String> = []
    ) throws(StoreError) -> PruneBatch {
        try self.writing("delete old payments from \(self.path)") { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT rowid AS cursor, reference, payload FROM payment
                    WHERE rowid > ? AND final = 1 AND unsettled = 0 AND updatedAt < ?
                      AND reference NOT IN (SELECT reference FROM operation WHERE state = 'pending')
                      AND reference NOT IN (SELECT reference FROM intent WHERE status = 'pending')
                    ORDER BY rowid LIMIT ?
                    """,
                arguments: [cursor, date, limit]
            )
            var deleted = 0
            var lastEventID: Int64 = 0
            for row in rows {
                let reference: String = row["reference"]
                guard !keeping.contains(reference) else { continue }
                // The columns say settled; the payment itself must agree (a payload this build cannot read is kept).
                var payment: Payment
                do {
                    payment = try Self.payment(fromPayload: row["payload"], subject: "Payment \(reference)")
                } catch {
                    continue
                }
                payment.operations = try Self.operations(reference: reference, in: db)
                guard payment.state.isFinal, !payment.isUnsettled, !payment.unreconciled else { continue }
                let newest = try Int64.fetchOne(
                    db,
                    sql: "SELECT MAX(id) FROM event WHERE reference = ?",
                    arguments: [reference]
                )
                lastEventID = max(lastEventID, newest ?? 0)
                for table in ["operation", "intent", "event", "payment"] {
                    try db.execute(sql: "DELETE FROM \(table) WHERE reference = ?", arguments: [reference])
                }
                deleted += 1
            }
            if lastEventID > 0 {
                try db.execute(
                    sql: """
                        INSERT INTO pruned (id, lastEventID) VALUES (1, ?)
                        ON CONFLICT(id) DO UPDATE SET lastEventID = MAX(lastEventID, excluded.lastEventID)
                        """,
                    arguments: [lastEventID]
                )
            }
            let last: Int64? = rows.last?["cursor"]
            return PruneBatch(deleted: deleted, examined: rows.count, cursor: last ?? cursor)
        }
    }

    /// The newest event the retention has deleted (0 if none): a till replaying from an older id has missed some.
    public func prunedThroughEventID() throws(StoreError) -> Int64 {
        do {
            return try self.database.read { db in
                try Int64.fetchOne(db, sql: "SELECT lastEventID FROM pruned WHERE id = 1") ?? 0
            }
        } catch {
            throw StoreError(kind: .corrupt, message: "Cannot read events from \(self.path): \(error).")
        }
    }

    // MARK: Intents

    /// Writes an intent down before the call is made. Asking again for the same (reference, operation, sequence)
    /// returns the intent already written, so a retry reuses its `X-Request-Id`.
    public func beginIntent(
        reference: String,
        operation: PaymentIntent.Operation,
        sequence: Int,
        requestId: String,
        amount: Int?,
        at date: Date
    ) throws(StoreError) -> PaymentIntent {
        try self.writing("record the \(operation) of \(reference)") { db in
            if let row = try Row.fetchOne(
                db,
                sql: "SELECT * FROM intent WHERE reference = ? AND operation = ? AND sequence = ?",
                arguments: [reference, operation.rawValue, sequence]
            ) {
                return try Self.intent(row)
            }
            try db.execute(
                sql: """
                    INSERT INTO intent (reference, operation, sequence, requestId, amount, status, createdAt)
                    VALUES (?, ?, ?, ?, ?, 'pending', ?)
                    """,
                arguments: [reference, operation.rawValue, sequence, requestId, amount, date]
            )
            return PaymentIntent(
                id: db.lastInsertedRowID,
                reference: reference,
                operation: operation,
                sequence: sequence,
                requestId: requestId,
                amount: amount,
                createdAt: date
            )
        }
    }

    /// Marks an intent done (`succeeded`) or abandoned (`failed`, with what Vipps said).
    public func finishIntent(_ id: Int64, succeeded: Bool, outcome: String?, at date: Date) throws(StoreError) {
        try self.writing("record the outcome of intent \(id)") { db in
            try db.execute(
                sql: "UPDATE intent SET status = ?, outcome = ?, finishedAt = ? WHERE id = ?",
                arguments: [succeeded ? "done" : "failed", outcome, date, id]
            )
        }
    }

    public func pendingIntents(reference: String? = nil) throws(StoreError) -> [PaymentIntent] {
        do {
            return try self.database.read { db in
                let rows: [Row]
                if let reference {
                    rows = try Row.fetchAll(
                        db,
                        sql: "SELECT * FROM intent WHERE status = 'pending' AND reference = ? ORDER BY id",
                        arguments: [reference]
                    )
                } else {
                    rows = try Row.fetchAll(db, sql: "SELECT * FROM intent WHERE status = 'pending' ORDER BY id")
                }
                return try rows.map(Self.intent)
            }
        } catch {
            throw StoreError(kind: .corrupt, message: "Cannot read intents from \(self.path): \(error).")
        }
    }

    /// The sum of refunds that succeeded or may still succeed since `date`, for the daily refund cap.
    public func refundedAmount(since date: Date) throws(StoreError) -> Int {
        do {
            return try self.database.read { db in
                try Int.fetchOne(
                    db,
                    sql:
                        "SELECT COALESCE(SUM(amount), 0) FROM operation WHERE kind = 'refund' AND state != 'failed' AND createdAt >= ?",
                    arguments: [date]
                ) ?? 0
            }
        } catch {
            throw StoreError(kind: .corrupt, message: "Cannot read operations from \(self.path): \(error).")
        }
    }

    private static func intent(_ row: Row) throws -> PaymentIntent {
        let operation: String = row["operation"]
        guard let parsed = PaymentIntent.Operation(rawValue: operation) else {
            throw StoreError(kind: .corrupt, message: "Unknown intent operation \(operation).")
        }
        return PaymentIntent(
            id: row["id"],
            reference: row["reference"],
            operation: parsed,
            sequence: row["sequence"],
            requestId: row["requestId"],
            amount: row["amount"],
            createdAt: row["createdAt"]
        )
    }
}
