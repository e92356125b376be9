import NIOCore
import ServerSentEvents
import Testing

/// The reader every client of ours uses: bytes in, whole events out, whatever the network's chunks.
@Suite struct ParserTests {
    static let events = [
        ServerSentEvent(comments: ["keep-alive"]),
        ServerSentEvent(retry: 1000),
        ServerSentEvent(event: "payment", id: "7", data: #"{"text":"Smørbrød og kaffe"}"#),
        ServerSentEvent(event: "screen", id: "8", data: #"{"text":"Blåbærsyltetøy ☕️ 🇳🇴"}"#),
        ServerSentEvent(event: "note", data: "two\nlines"),
    ]
    static let stream = Array(
        Self.events.map { $0.encoded() }.reduce(into: ByteBuffer()) { $0.writeImmutableBuffer($1) }.readableBytesView
    )

    /// Every split of the stream into two chunks, including each one inside a two-, three- and four-byte character.
    @Test func aCharacterSplitAcrossChunksArrivesWhole() {
        for cut in 1..<Self.stream.count {
            var parser = ServerSentEventParser()
            var read: [ServerSentEvent] = []
            parser.append(Self.stream[..<cut])
            while let event = parser.next() { read.append(event) }
            parser.append(Self.stream[cut...])
            while let event = parser.next() { read.append(event) }
            #expect(read == Self.events, "cut at byte \(cut)")
        }
    }

    /// One byte at a time, the worst a network can do.
    @Test func byteByByte() {
        var parser = ServerSentEventParser()
        var read: [ServerSentEvent] = []
        for byte in Self.stream {
            parser.append([byte])
            while let event = parser.next() { read.append(event) }
        }
        #expect(read == Self.events)
        #expect(!read.contains { $0.data?.contains("\u{FFFD}") ?? false })
    }

    /// The format allows CRLF and CR line ends; a CRLF split between chunks is still one line end.
    @Test func otherLineEnds() {
        let text = Array("event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r".utf8)
        for cut in 1..<text.count {
            var parser = ServerSentEventParser()
            var read: [ServerSentEvent] = []
            parser.append(text[..<cut])
            while let event = parser.next() { read.append(event) }
            parser.append(text[cut...])
            while let event = parser.next() { read.append(event) }
            #expect(
                read == [ServerSentEvent(event: "a", data: "1"), ServerSentEvent(event: "b", data: "2")],
                "cut \(cut)"
            )
        }
    }

    /// What the writer frames, the reader gives back: data lines split and joined at LF, CR and CRLF only (a JSON
    /// string may hold U+2028), and a line break cannot sneak into `event:` or `id:`.
    @Test func framingRoundTrips() {
        let event = ServerSentEvent(event: "pay\nment", id: "1\r2", data: "a\r\nb\rc\u{2028}d\n")
        var parser = ServerSentEventParser()
        parser.append(event.encoded().readableBytesView)
        #expect(parser.next() == ServerSentEvent(event: "payment", id: "12", data: "a\nb\nc\u{2028}d\n"))
        #expect(String(buffer: ServerSentEvent.keepAlive.encoded()) == ": keep-alive\n\n")
        #expect(String(buffer: ServerSentEvent.reconnect(after: .milliseconds(1500)).encoded()) == "retry: 1500\n\n")
    }

    /// Field rules of the format: no space after the colon is fine, a line without a colon is a field with no value,
    /// unknown fields and a non-numeric `retry:` are ignored, blank lines between blocks yield nothing.
    @Test func fieldRules() {
        var parser = ServerSentEventParser()
        parser.append(Array("\n\nevent:x\ndata\nretry: soon\nfoo: bar\n\n".utf8))
        #expect(parser.next() == ServerSentEvent(event: "x", data: ""))
        #expect(parser.next() == nil)
    }
}
