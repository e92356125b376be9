import Glibc
import SystemdSupport
import TestSupport
import Testing

@Suite("UnixDatagramSocket")
struct UnixDatagramSocketTests {
    @Test func sendsOneDatagramToAFilesystemPath() throws {
        let directory = try TemporaryDirectory()
        let receiver = try DatagramReceiver(address: directory.path + "/peer.sock")
        let socket = try UnixDatagramSocket()

        try socket.send(Array("hello".utf8), to: receiver.address)

        #expect(try receiver.receiveText() == "hello")
    }

    @Test func sendsToAnAbstractAddress() throws {
        let receiver = try DatagramReceiver(address: DatagramReceiver.uniqueAbstractAddress())
        let socket = try UnixDatagramSocket()

        try socket.send(Array("abstract".utf8), to: receiver.address)

        #expect(try receiver.receiveText() == "abstract")
    }

    @Test func isCloseOnExec() throws {
        let socket = try UnixDatagramSocket()
        #expect(fcntl(socket.fd, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test(arguments: ["", "@", "/tmp/" + String(repeating: "x", count: 200), "/tmp/a\u{0}b"])
    func rejectsAddressesThatDoNotFitSockaddrUn(address: String) throws {
        let socket = try UnixDatagramSocket()
        #expect(throws: SystemdError(code: .invalidAddress, message: "")) {
            try socket.send([1], to: address)
        }
    }

    @Test func reportsThatNoOneIsListening() throws {
        let directory = try TemporaryDirectory()
        let socket = try UnixDatagramSocket()
        let error = #expect(throws: SystemdError.self) {
            try socket.send([1], to: directory.path + "/nobody.sock")
        }
        #expect(error?.code == .sendFailed)
        #expect(error?.message.contains("nobody.sock") == true)
    }

    @Test func reportsADatagramTooLargeForTheKernel() throws {
        let receiver = try DatagramReceiver(address: DatagramReceiver.uniqueAbstractAddress())
        let socket = try UnixDatagramSocket()
        let error = #expect(throws: SystemdError.self) {
            try socket.send([UInt8](repeating: 0x41, count: 4 << 20), to: receiver.address)
        }
        #expect(error?.code == .messageTooLarge)
    }

    @Test func reportsAFullReceiverInsteadOfBlocking() throws {
        let receiver = try DatagramReceiver(address: DatagramReceiver.uniqueAbstractAddress())
        let socket = try UnixDatagramSocket()
        var failure: SystemdError?
        // The receiver never reads, so its queue fills (net.unix.max_dgram_qlen datagrams) and sending must fail.
        for _ in 0..<1_000_000 {
            do {
                try socket.send([UInt8](repeating: 0, count: 1024), to: receiver.address)
            } catch {
                failure = error
                break
            }
        }
        #expect(failure?.code == .wouldBlock)
    }
}
