import Testing

@testable import qrpayctl

/// `qrpayctl watch` reads the event stream as the network delivers it: in chunks that may end inside a character.
@Suite struct EventStreamFramesTests {
    static let stream = Array(
        (": keep-alive\n\n" + "id: 7\nevent: payment\ndata: {\"text\":\"Smørbrød og kaffe\"}\n\n"
            + "id: 8\nevent: payment\ndata: {\"text\":\"Blåbærsyltetøy\"}\n\n").utf8
    )

    /// Every split of the stream into two chunks, including each one inside a two-byte `ø`, `å` or `æ`.
    @Test func aCharacterSplitAcrossChunksArrivesWhole() {
        for cut in 1..<Self.stream.count {
            var frames = EventStreamFrames()
            var events: [EventStreamReader.Event] = []
            frames.append(Self.stream[..<cut])
            while let event = frames.next() { events.append(event) }
            frames.append(Self.stream[cut...])
            while let event = frames.next() { events.append(event) }
            #expect(events.map(\.id) == [7, 8], "cut at byte \(cut)")
            #expect(events.map(\.data) == [#"{"text":"Smørbrød og kaffe"}"#, #"{"text":"Blåbærsyltetøy"}"#])
        }
    }

    /// One byte at a time, the worst a network can do.
    @Test func byteByByte() {
        var frames = EventStreamFrames()
        var events: [EventStreamReader.Event] = []
        for byte in Self.stream {
            frames.append([byte])
            while let event = frames.next() { events.append(event) }
        }
        #expect(events.count == 2)
        #expect(!events.contains { $0.data.contains("\u{FFFD}") })
    }
}
