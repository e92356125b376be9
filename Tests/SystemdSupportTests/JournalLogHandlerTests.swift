import Logging
import SystemdSupport
import TestSupport
import Testing

@Suite("JournalLogHandler")
struct JournalLogHandlerTests {
    /// journald in a test: a datagram socket in a temporary directory, and a logger writing to it.
    struct Journal {
        let directory: TemporaryDirectory
        let receiver: DatagramReceiver
        let logger: Logger

        init(label: String = "qrpayd.test", configure: (inout JournalLogHandler) -> Void = { _ in }) throws {
            self.directory = try TemporaryDirectory()
            self.receiver = try DatagramReceiver(address: self.directory.path + "/journal.sock")
            var handler = JournalLogHandler(label: label, identifier: "qrpayd", socketPath: self.receiver.address)
            handler.logLevel = .trace
            configure(&handler)
            self.logger = Logger(label: label) { _ in handler }
        }

        func nextEntry() throws -> ParsedJournalEntry {
            try ParsedJournalEntry(self.receiver.receive())
        }
    }

    @Test func writesTheStandardFields() throws {
        let journal = try Journal()

        journal.logger.info("Payment captured")
        let line = #line - 1

        let entry = try journal.nextEntry()
        #expect(entry["MESSAGE"] == "Payment captured")
        #expect(entry["PRIORITY"] == "6")
        #expect(entry["SYSLOG_IDENTIFIER"] == "qrpayd")
        #expect(entry["LOGGER_LABEL"] == "qrpayd.test")
        #expect(entry["CODE_FILE"]?.hasSuffix("JournalLogHandlerTests.swift") == true)
        #expect(entry["CODE_LINE"] == String(line))
        #expect(entry["CODE_FUNC"] == "writesTheStandardFields()")
        for name in entry.names {
            #expect(name.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") })
            #expect(!name.hasPrefix("_"))
        }
    }

    @Test(
        arguments: [
            (Logger.Level.trace, "7"), (.debug, "7"), (.info, "6"), (.notice, "5"), (.warning, "4"), (.error, "3"),
            (.critical, "2"),
        ]
    )
    func mapsEachLevelToItsSyslogPriority(level: Logger.Level, priority: String) throws {
        let journal = try Journal()

        journal.logger.log(level: level, "Something happened")

        #expect(try journal.nextEntry()["PRIORITY"] == priority)
    }

    @Test func multiLineMessagesUseTheBinaryFramingAndArriveIntact() throws {
        let journal = try Journal()
        let message = "Vipps said:\n  errorGroup=Payment\n  errorCode=42\n"

        journal.logger.error("\(message)")

        let entry = try journal.nextEntry()
        #expect(entry["MESSAGE"] == message)
        #expect(entry.binaryFramedNames == ["MESSAGE"])
    }

    @Test func metadataBecomesUpperCaseFields() throws {
        let journal = try Journal()

        journal.logger.notice(
            "Payment state changed",
            metadata: [
                "payment.reference": "acme-till1-000123",
                "vipps.orderId": "acme-1",
                "vipps.httpStatus": .stringConvertible(409),
                "vipps": ["errorCode": "61", "errorGroup": "Payment"],
                "payment.tags": ["kiosk", "retry"],
                "note": "first\nsecond",
            ]
        )

        let entry = try journal.nextEntry()
        #expect(entry["PAYMENT_REFERENCE"] == "acme-till1-000123")
        #expect(entry["VIPPS_ORDER_ID"] == "acme-1")
        #expect(entry["VIPPS_HTTP_STATUS"] == "409")
        #expect(entry["VIPPS_ERROR_CODE"] == "61")
        #expect(entry["VIPPS_ERROR_GROUP"] == "Payment")
        #expect(entry.values("PAYMENT_TAGS") == ["kiosk", "retry"])
        #expect(entry["NOTE"] == "first\nsecond")
    }

    @Test func loggerAndProviderMetadataAreIncludedAndTheCallWins() throws {
        let provider = Logger.MetadataProvider { ["till.id": "till-7", "payment.state": "from-provider"] }
        let journal = try Journal { $0.metadataProvider = provider }
        var logger = journal.logger
        logger[metadataKey: "payment.state"] = "from-logger"
        logger[metadataKey: "session"] = "s1"

        logger.info("Tick", metadata: ["payment.state": "AUTHORIZED"])

        let entry = try journal.nextEntry()
        #expect(entry["TILL_ID"] == "till-7")
        #expect(entry["SESSION"] == "s1")
        #expect(entry["PAYMENT_STATE"] == "AUTHORIZED")
    }

    @Test(
        arguments: [
            ("message_id", "a5b1c0ffee0000000000000000000001", "a5b1c0ffee0000000000000000000001"),
            ("MESSAGE_ID", "0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"),
            ("message_id", "A5B1C0FFEE0000000000000000000001", nil),
            ("message_id", "a5b1c0ff-ee00-0000-0000-000000000001", nil),
            ("message_id", "a5b1", nil),
            ("message_id", "zzb1c0ffee0000000000000000000001", nil),
        ] as [(String, String, String?)]
    )
    func messageIDIsPassedOnlyWhenValid(key: String, value: String, expected: String?) throws {
        let journal = try Journal()

        journal.logger.info("Payment captured", metadata: [key: "\(value)"])

        let entry = try journal.nextEntry()
        #expect(entry.values("MESSAGE_ID") == (expected.map { [$0] } ?? []))
    }

    @Test(
        arguments: [
            "vipps.clientSecret", "client_secret", "accessToken", "access.token", "Authorization", "user.password",
            "Ocp-Apim-Subscription-Key", "subscriptionKey", "config.subscription_key",
        ]
    )
    func secretLookingKeysAreRedacted(key: String) throws {
        let journal = try Journal()

        journal.logger.warning("Configuration loaded", metadata: [key: "s3cr3t-value"])

        let datagram = try journal.receiver.receive()
        let name = try #require(JournalEntry.normalizedFieldName(key))
        #expect(try ParsedJournalEntry(datagram)[name] == "[redacted]")
        #expect(!String(decoding: datagram, as: UTF8.self).contains("s3cr3t-value"))
    }

    @Test func nestedSecretsAreRedactedToo() throws {
        let journal = try Journal()

        journal.logger.info("Request", metadata: ["headers": ["authorization": "Bearer abc", "accept": "json"]])

        let entry = try journal.nextEntry()
        #expect(entry["HEADERS_AUTHORIZATION"] == "[redacted]")
        #expect(entry["HEADERS_ACCEPT"] == "json")
    }

    @Test func metadataCannotReplaceTheHandlersOwnFields() throws {
        let journal = try Journal()

        journal.logger.info("Real message", metadata: ["message": "forged", "priority": "0"])

        let entry = try journal.nextEntry()
        #expect(entry["MESSAGE"] == "Real message")
        #expect(entry["PRIORITY"] == "6")
        #expect(entry["METADATA_MESSAGE"] == "forged")
        #expect(entry["METADATA_PRIORITY"] == "0")
    }

    @Test func longMessagesAreTruncatedAndMarked() throws {
        let journal = try Journal()

        journal.logger.info("\(String(repeating: "x", count: 100_000))")

        let message = try #require(try journal.nextEntry()["MESSAGE"])
        #expect(message.utf8.count <= JournalEntry.defaultMaximumValueSize)
        #expect(message.hasSuffix(JournalEntry.truncationMarker))
    }

    @Test func anEntryTooLargeForOneDatagramIsSentAgainSmaller() throws {
        let journal = try Journal()
        let big = String(repeating: "y", count: 60_000)
        var metadata: Logger.Metadata = [:]
        for index in 0..<8 {
            metadata["part\(index)"] = "\(big)"
        }

        journal.logger.info("Large diagnostic dump", metadata: metadata)

        let entry = try journal.nextEntry()
        #expect(entry["MESSAGE"] == "Large diagnostic dump")
        #expect(entry["PART0"]?.hasSuffix(JournalEntry.truncationMarker) == true)
        #expect(entry.fields.allSatisfy { $0.value.count <= 4096 })
    }

    @Test func theErrorOfAnEventIsRecorded() throws {
        struct CaptureRefused: Error, CustomStringConvertible {
            var description: String { "capture refused" }
        }
        let journal = try Journal()

        journal.logger.error("Capture failed", error: CaptureRefused())

        let entry = try journal.nextEntry()
        #expect(entry["ERROR_MESSAGE"] == "capture refused")
        #expect(entry["ERROR_TYPE"]?.hasSuffix("CaptureRefused") == true)
    }

    @Test func loggingWithoutJournaldNeitherThrowsNorTraps() throws {
        let directory = try TemporaryDirectory()
        let handler = JournalLogHandler(label: "x", identifier: "qrpayd", socketPath: directory.path + "/none.sock")
        let logger = Logger(label: "x") { _ in handler }

        logger.error("Nobody is listening")
    }
}
