import Glibc
import Logging
import SystemdSupport
import Testing

@Suite("PlainLogHandler")
struct PlainLogHandlerTests {
    /// A pipe the handler writes to; the test reads back what it wrote.
    final class Pipe {
        let readEnd: Int32
        let writeEnd: Int32

        init() throws {
            var ends: [Int32] = [0, 0]
            try #require(pipe(&ends) == 0)
            self.readEnd = ends[0]
            self.writeEnd = ends[1]
        }

        deinit {
            close(self.readEnd)
            close(self.writeEnd)
        }

        func logger(label: String = "qrpayd.test") -> Logger {
            let writeEnd = self.writeEnd
            return Logger(label: label) { label in
                var handler = PlainLogHandler(label: label, fileDescriptor: writeEnd)
                handler.logLevel = .trace
                return handler
            }
        }

        /// Everything written so far. The handler writes synchronously, so it is all in the pipe already.
        func drain() -> String {
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { recvOrRead(self.readEnd, $0) }
                guard count > 0 else { break }
                bytes += buffer[..<count]
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        private func recvOrRead(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { return 0 }
            return read(fd, buffer.baseAddress, buffer.count)
        }
    }

    @Test func writesOneLineWithTimeLevelLabelMessageAndMetadata() throws {
        let pipe = try Pipe()

        pipe.logger().notice("Payment captured", metadata: ["payment.reference": "acme-1", "amount": "1500"])

        let output = pipe.drain()
        let pattern =
            #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z notice \[qrpayd\.test\] Payment captured amount=1500 payment\.reference=acme-1\n$/#
        #expect(output.wholeMatch(of: pattern) != nil, "\(output)")
    }

    @Test(
        arguments: [
            ("two\nlines", #""two\nlines""#),
            ("cr\rlf", #""cr\rlf""#),
            ("tab\there", #""tab\there""#),
            ("esc\u{1B}[31mred", #""esc\u{1B}[31mred""#),
            ("nul\u{0}byte", #""nul\u{0}byte""#),
            ("say \"hi\"", #""say \"hi\"""#),
            ("a=b", #""a=b""#),
            ("", #""""#),
            ("back\\slash", #""back\\slash""#),
            ("line\u{2028}sep", #""line\u{2028}sep""#),
            ("rtl\u{202E}override", #""rtl\u{202E}override""#),
            ("plain-value", "plain-value"),
            ("ærlig", "ærlig"),
        ]
    )
    func escapesValuesSoATillCannotForgeALine(value: String, shown: String) throws {
        let pipe = try Pipe()

        pipe.logger().info("Till request", metadata: ["till.text": "\(value)"])

        let output = pipe.drain()
        #expect(output.hasSuffix(" Till request till.text=\(shown)\n"), "\(output)")
        #expect(output.filter { $0 == "\n" }.count == 1)
    }

    @Test func escapesControlCharactersInTheMessage() throws {
        let pipe = try Pipe()

        pipe.logger().error("Bad input: x\n2026-01-01T00:00:00.000Z info [qrpayd] Payment captured")

        let output = pipe.drain()
        #expect(output.hasSuffix("Bad input: x\\n2026-01-01T00:00:00.000Z info [qrpayd] Payment captured\n"))
        #expect(output.filter { $0 == "\n" }.count == 1)
    }

    @Test(arguments: ["vipps.clientSecret", "access_token", "authorization", "Ocp-Apim-Subscription-Key", "password"])
    func redactsSecretLookingKeys(key: String) throws {
        let pipe = try Pipe()

        pipe.logger().info("Loaded", metadata: [key: "s3cr3t-value"])

        let output = pipe.drain()
        #expect(output.contains("\(key)=[redacted]"), "\(output)")
        #expect(!output.contains("s3cr3t-value"))
    }

    @Test func flattensNestedMetadata() throws {
        let pipe = try Pipe()

        pipe.logger().info("Vipps error", metadata: ["vipps": ["errorCode": "61"], "tags": ["a", "b"]])

        #expect(pipe.drain().hasSuffix(" Vipps error tags=a tags=b vipps.errorCode=61\n"))
    }

    @Test func concurrentLinesDoNotInterleave() async throws {
        let pipe = try Pipe()
        let logger = pipe.logger()

        await withTaskGroup { group in
            for task in 0..<8 {
                group.addTask {
                    for line in 0..<25 {
                        logger.info(
                            "Line",
                            metadata: [
                                "task": "\(task)", "line": "\(line)", "pad": "\(String(repeating: "p", count: 40))",
                            ]
                        )
                    }
                }
            }
        }

        let lines = pipe.drain().split(separator: "\n")
        #expect(lines.count == 200)
        let pattern = #/^\S+ info \[qrpayd\.test\] Line line=\d+ pad=p{40} task=\d$/#
        #expect(lines.allSatisfy { $0.wholeMatch(of: pattern) != nil })
    }
}
