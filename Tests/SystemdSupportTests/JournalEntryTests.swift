import SystemdSupport
import Testing

@Suite("JournalEntry")
struct JournalEntryTests {
    @Test(
        arguments: [
            ("payment.reference", "PAYMENT_REFERENCE"),
            ("PAYMENT_STATE", "PAYMENT_STATE"),
            ("orderId", "ORDER_ID"),
            ("vipps.orderId", "VIPPS_ORDER_ID"),
            ("vipps.httpStatus", "VIPPS_HTTP_STATUS"),
            ("HTTPStatus", "HTTP_STATUS"),
            ("sha256Hash", "SHA256_HASH"),
            ("x-request-id", "X_REQUEST_ID"),
            ("_private", "PRIVATE"),
            ("__SYSTEMD_UNIT", "SYSTEMD_UNIT"),
            ("9lives", "LIVES"),
            ("_42.answer", "ANSWER"),
            ("till id", "TILL_ID"),
            ("a..b", "A_B"),
            ("payment.", "PAYMENT"),
            ("beløp", "BEL_P"),
            ("message_id", "MESSAGE_ID"),
        ]
    )
    func metadataKeysBecomeJournalFieldNames(key: String, expected: String) {
        #expect(JournalEntry.normalizedFieldName(key) == expected)
    }

    @Test(arguments: ["", "_", "123", "...", "_9_", "øæå"])
    func keysWithNothingUsableAreDropped(key: String) {
        #expect(JournalEntry.normalizedFieldName(key) == nil)
    }

    @Test func fieldNamesAreCappedAtSixtyFourCharacters() throws {
        let name = try #require(JournalEntry.normalizedFieldName(String(repeating: "ab", count: 50)))
        #expect(name == String(repeating: "AB", count: 32))
        let withSeparatorAtTheCut = try #require(
            JournalEntry.normalizedFieldName(String(repeating: "x", count: 63) + ".y")
        )
        #expect(withSeparatorAtTheCut == String(repeating: "X", count: 63))
    }

    @Test func normalisingIsIdempotent() {
        for key in ["payment.reference", "orderId", "HTTPStatus", "_9x", String(repeating: "q.", count: 40)] {
            let once = JournalEntry.normalizedFieldName(key)
            #expect(once.flatMap(JournalEntry.normalizedFieldName) == once)
        }
    }

    @Test func encodesSingleLineValuesAsNameEqualsValue() {
        var entry = JournalEntry()
        entry.append("MESSAGE", "Payment captured")
        entry.append("PRIORITY", "6")

        #expect(entry.encoded() == Array("MESSAGE=Payment captured\nPRIORITY=6\n".utf8))
    }

    @Test func encodesMultiLineValuesWithALittleEndianLength() {
        var entry = JournalEntry()
        entry.append("MESSAGE", "a\nb")

        let expected: [UInt8] = Array("MESSAGE\n".utf8) + [3, 0, 0, 0, 0, 0, 0, 0] + Array("a\nb\n".utf8)
        #expect(entry.encoded() == expected)
    }

    @Test func appendingNormalisesNamesAndDropsUnusableOnes() throws {
        var entry = JournalEntry()
        let addedReference = entry.append("payment.reference", "acme-1")
        let addedUnusable = entry.append("___", "lost")

        #expect(addedReference)
        #expect(!addedUnusable)

        let parsed = try ParsedJournalEntry(entry.encoded())
        #expect(parsed.names == ["PAYMENT_REFERENCE"])
    }

    @Test func longValuesAreCutAtACharacterBoundaryAndMarked() throws {
        var entry = JournalEntry(maximumValueSize: 64)
        // Two-byte characters: a byte-exact cut would split one.
        entry.append("MESSAGE", String(repeating: "ø", count: 100))
        entry.append("SHORT", "fits")

        let parsed = try ParsedJournalEntry(entry.encoded())
        let message = try #require(parsed["MESSAGE"])
        #expect(message.utf8.count <= 64)
        #expect(message.hasSuffix(JournalEntry.truncationMarker))
        #expect(message.dropLast(JournalEntry.truncationMarker.count).allSatisfy { $0 == "ø" })
        #expect(parsed["SHORT"] == "fits")
    }
}
