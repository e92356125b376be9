public import Foundation
import GRDB

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
        do {
            return try self.database.write { db -> Change in
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
        } catch {
            throw StoreError(kind: .writeFailed, message: "Cannot write payment \(record.payment.reference): \(error).")
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
        do {
            try self.database.write { db in
                try db.execute(
                    sql: "UPDATE payment SET paymentURL = ? WHERE reference = ?",
                    arguments: [record.paymentURL, record.payment.reference]
                )
            }
        } catch {
            throw StoreError(kind: .writeFailed, message: "Cannot write payment \(record.payment.reference): \(error).")
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
        do {
            return try self.database.write { db in
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
        } catch {
            throw StoreError(kind: .writeFailed, message: "Cannot record the \(operation) of \(reference): \(error).")
        }
    }

    /// Marks an intent done (`succeeded`) or abandoned (`failed`, with what Vipps said).
    public func finishIntent(_ id: Int64, succeeded: Bool, outcome: String?, at date: Date) throws(StoreError) {
        do {
            try self.database.write { db in
                try db.execute(
                    sql: "UPDATE intent SET status = ?, outcome = ?, finishedAt = ? WHERE id = ?",
                    arguments: [succeeded ? "done" : "failed", outcome, date, id]
                )
            }
        } catch {
            throw StoreError(kind: .writeFailed, message: "Cannot record the outcome of intent \(id): \(error).")
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
