public import Foundation
import Logging

extension PaymentEngine {
    /// Payments deleted in one transaction: about 60 ms in a debug build on 2 busy cores (20,000 payments: 11 s),
    /// which is as long as a till's request may have to wait behind one.
    public static let pruneBatchSize = 100

    /// Deletes final, settled payments whose last change is older than the retention (`state.retention`), with their
    /// events, operations and intents, in batches of ``pruneBatchSize`` (each a transaction), and says in the journal
    /// how many went. A payment that is unsettled, has a pending operation, is being worked on or is not reconciled
    /// is never deleted, however old. Run at start and once a day.
    ///
    /// - Parameter now: the time to count the retention back from (a test's clock).
    /// - Returns: how many payments were deleted.
    @discardableResult
    public func pruneSettledPayments(now: Date = Date()) async throws(PaymentProblem) -> Int {
        let retentionSeconds = Double(self.configuration.retention.components.seconds)
        let cutoff = now.addingTimeInterval(-retentionSeconds)
        var cursor: Int64 = 0
        var total = 0
        while true {
            // What is being worked on or not yet reconciled now is kept; both are read again for every batch.
            let keeping = self.unreconciled.union(self.gates.keys).union(self.followed.keys)
            let batch = try self.storeRead {
                try self.store.pruneSettled(
                    changedBefore: cutoff,
                    after: cursor,
                    limit: Self.pruneBatchSize,
                    keeping: keeping
                )
            }
            total += batch.deleted
            cursor = batch.cursor
            guard batch.examined == Self.pruneBatchSize else { break }
            // Let the till and the poll loop in between batches.
            await Task.yield()
        }
        self.metrics.pruned(total)
        let days = Int(retentionSeconds / 86_400)
        self.logger.notice(
            "Retention: deleted \(total) settled payment\(total == 1 ? "" : "s") last changed more than \(days) days ago",
            metadata: [
                "message_id": "\(JournalEvent.paymentsPruned.messageID)",
                "store.pruned": "\(total)",
                "state.retention_days": "\(days)",
            ]
        )
        return total
    }
}
