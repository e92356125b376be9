import Glibc
import Logging
import SystemdSupport
import Testing

@Suite("LoggingBootstrap")
struct LoggingBootstrapTests {
    @Test func usesTheJournalWhenStandardErrorIsTheJournalStream() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        var status = stat()
        try #require(fstat(ends[1], &status) == 0)

        let handler = LoggingBootstrap.makeLogHandler(
            label: "qrpayd",
            identifier: "qrpayd",
            environment: ["JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino)"],
            standardError: ends[1]
        )

        #expect(handler is JournalLogHandler)
    }

    @Test(arguments: [nil, "", "8:12345", "not:numbers", "1:2:3"] as [String?])
    func usesPlainLinesOtherwise(journalStream: String?) throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        var environment: [String: String] = [:]
        environment["JOURNAL_STREAM"] = journalStream

        let handler = LoggingBootstrap.makeLogHandler(
            label: "qrpayd",
            identifier: "qrpayd",
            environment: environment,
            standardError: ends[1]
        )

        #expect(handler is PlainLogHandler)
    }
}
