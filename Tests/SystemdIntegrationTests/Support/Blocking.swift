import Foundation

/// Runs a blocking call (a `poll`, a `read`, a tool run to completion) on its own thread and waits for it without
/// holding one of Swift concurrency's few cooperative threads, which the in-process simulator needs to answer the
/// daemon meanwhile.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}
