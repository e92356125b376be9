import Logging
import PaymentCore
import ServiceLifecycle

/// Looks after the payment database while the daemon runs. While a write has failed for want of storage (see
/// ``PaymentStore/writeProblem``), a small probe write every ``probeInterval`` notices space coming back without a
/// payment, and the journal says when the store takes writes again. At start and then once a day the retention
/// deletes old settled payments (``PaymentEngine/pruneSettledPayments(now:)``).
struct StoreMaintenance: Service {
    let engine: PaymentEngine
    let store: PaymentStore
    let logger: Logger
    var probeInterval: Duration = .seconds(10)
    var pruneInterval: Duration = .seconds(86_400)
    /// After a retention run that failed (the store not writable, say).
    var pruneRetryInterval: Duration = .seconds(3_600)

    func run() async {
        await cancelWhenGracefulShutdown {
            await self.loop()
        }
    }

    private func loop() async {
        var nextPrune = ContinuousClock.now
        var wasFailing = false
        while !Task.isCancelled {
            self.store.probeWrite()
            let failing = self.store.writeProblem != nil
            if wasFailing && !failing {
                self.logger.notice(
                    "The payment database takes writes again",
                    metadata: [
                        "message_id": "\(JournalEvent.storeWritableAgain.messageID)",
                        "store.path": "\(self.store.path)",
                    ]
                )
            }
            wasFailing = failing
            if ContinuousClock.now >= nextPrune {
                do {
                    try await self.engine.pruneSettledPayments()
                    nextPrune = ContinuousClock.now.advanced(by: self.pruneInterval)
                } catch {
                    // The engine has logged the database failure; try again later.
                    nextPrune = ContinuousClock.now.advanced(by: self.pruneRetryInterval)
                }
            }
            do {
                try await Task.sleep(for: self.probeInterval)
            } catch {
                return
            }
        }
    }
}
