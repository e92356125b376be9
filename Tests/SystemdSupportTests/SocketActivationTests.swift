import Glibc
import SystemdSupport
import TestSupport
import Testing

/// Serialised because the tests place descriptors at chosen numbers, as systemd does.
@Suite("SocketActivation", .serialized)
struct SocketActivationTests {
    @Test func returnsTheListeningSocketsSystemdPassed() throws {
        let directory = try TemporaryDirectory()
        let controlPath = directory.path + "/control.sock"
        let first = try TestDescriptors.moveToConsecutiveDescriptors([
            TestDescriptors.unixStreamSocket(path: controlPath),
            TestDescriptors.unixStreamSocket(path: directory.path + "/other.sock"),
        ])
        defer {
            close(first)
            close(first + 1)
        }
        let environment = ["LISTEN_PID": "4242", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "control:"]

        let sockets = try SocketActivation.listeningFileDescriptors(
            environment: environment,
            processID: 4242,
            firstFileDescriptor: first
        )

        #expect(sockets == [ActivatedSocket(fd: first, name: "control"), ActivatedSocket(fd: first + 1, name: nil)])
        for socket in sockets {
            // dup2 cleared close-on-exec; activation must set it so children never inherit the listener.
            #expect(fcntl(socket.fd, F_GETFD) & FD_CLOEXEC != 0)
        }
        // The descriptor is the real listener: a till connecting to the path is accepted on it.
        let client = try TestDescriptors.connect(to: controlPath)
        defer { close(client) }
        let connection = accept(sockets[0].fd, nil, nil)
        #expect(connection >= 0)
        close(connection)
    }

    /// `qrpayd-display.socket` and `qrpayd-metrics.socket` pass TCP listeners named by `FileDescriptorName=`; each part
    /// of the daemon takes its own, whatever the order.
    @Test func takesNamedTCPListenersForTheDisplayAndMetrics() throws {
        let directory = try TemporaryDirectory()
        let first = try TestDescriptors.moveToConsecutiveDescriptors([
            TestDescriptors.tcpListeningSocket(),
            TestDescriptors.unixStreamSocket(path: directory.path + "/control.sock"),
            TestDescriptors.tcpListeningSocket(),
        ])
        defer { for fd in first...(first + 2) { close(fd) } }

        let sockets = try SocketActivation.listeningFileDescriptors(
            environment: ["LISTEN_PID": "4242", "LISTEN_FDS": "3", "LISTEN_FDNAMES": "metrics:control:display"],
            processID: 4242,
            firstFileDescriptor: first
        )

        #expect(
            sockets == [
                ActivatedSocket(fd: first, name: "metrics", family: .tcp),
                ActivatedSocket(fd: first + 1, name: "control", family: .unix),
                ActivatedSocket(fd: first + 2, name: "display", family: .tcp),
            ]
        )
        let parts = ActivatedSockets(sockets)
        #expect(parts.control?.fd == first + 1)
        #expect(parts.display?.fd == first + 2)
        #expect(parts.metrics?.fd == first)
        #expect(parts.unclaimed.isEmpty)
    }

    /// A unit from before the names: systemd names the control socket after its unit (or not at all).
    @Test(arguments: [nil, "qrpayd.socket"] as [String?])
    func anOldUnitsSocketIsTheControlSocket(name: String?) {
        let parts = ActivatedSockets([
            ActivatedSocket(fd: 3, name: name, family: .unix),
            ActivatedSocket(fd: 4, name: "display", family: .tcp),
        ])
        #expect(parts.control == ActivatedSocket(fd: 3, name: name, family: .unix))
        #expect(parts.display?.fd == 4)
        #expect(parts.metrics == nil)
        // A TCP socket named for no part is not served as anything.
        let stray = ActivatedSockets([ActivatedSocket(fd: 5, name: "web", family: .tcp)])
        #expect(stray.control == nil && stray.display == nil && stray.unclaimed.count == 1)
    }

    @Test func namesAreAbsentWithoutListenFdNames() throws {
        let directory = try TemporaryDirectory()
        let fd = try TestDescriptors.moveToConsecutiveDescriptors([
            TestDescriptors.unixStreamSocket(path: directory.path + "/control.sock")
        ])
        defer { close(fd) }

        let sockets = try SocketActivation.listeningFileDescriptors(
            environment: ["LISTEN_PID": "7", "LISTEN_FDS": "1"],
            processID: 7,
            firstFileDescriptor: fd
        )

        #expect(sockets == [ActivatedSocket(fd: fd, name: nil)])
    }

    @Test(
        arguments: [
            [:],
            ["LISTEN_FDS": "1"],
            ["LISTEN_PID": "4243", "LISTEN_FDS": "1"],
            ["LISTEN_PID": "4242"],
            ["LISTEN_PID": "4242", "LISTEN_FDS": "0", "LISTEN_FDNAMES": ""],
        ]
    )
    func findsNothingWhenTheSocketsAreNotForThisProcess(environment: [String: String]) throws {
        let sockets = try SocketActivation.listeningFileDescriptors(environment: environment, processID: 4242)
        #expect(sockets.isEmpty)
    }

    @Test(
        arguments: [
            ["LISTEN_PID": "four", "LISTEN_FDS": "1"],
            ["LISTEN_PID": "4242", "LISTEN_FDS": "one"],
            ["LISTEN_PID": "4242", "LISTEN_FDS": "-1"],
            ["LISTEN_PID": "4242", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "control:extra"],
        ]
    )
    func rejectsMalformedEnvironment(environment: [String: String]) throws {
        let error = #expect(throws: SystemdError.self) {
            try SocketActivation.listeningFileDescriptors(environment: environment, processID: 4242)
        }
        #expect(error?.code == .invalidEnvironment)
    }

    /// Descriptors that are not what a `ListenStream=` socket unit passes.
    enum WrongDescriptor: CaseIterable, CustomTestStringConvertible {
        case pipe
        case datagramSocket
        case unixStreamNotListening
        case tcpNotListening
        case closed

        var testDescription: String { "\(self)" }

        func make(in directory: TemporaryDirectory) throws -> Int32 {
            switch self {
            case .pipe:
                var ends: [Int32] = [0, 0]
                guard Glibc.pipe(&ends) == 0 else { throw TestDescriptors.Failed(call: "pipe", number: errno) }
                close(ends[1])
                return ends[0]
            case .datagramSocket:
                return socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            case .unixStreamNotListening:
                return try TestDescriptors.unixStreamSocket(path: directory.path + "/idle.sock", listening: false)
            case .tcpNotListening:
                return socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            case .closed:
                let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
                close(fd)
                return fd
            }
        }
    }

    @Test(arguments: WrongDescriptor.allCases)
    func reportsADescriptorThatIsNotAListeningStreamSocket(wrong: WrongDescriptor) throws {
        let directory = try TemporaryDirectory()
        let made = try wrong.make(in: directory)
        // A closed descriptor stays closed: find a free number instead of moving one there.
        let fd = wrong == .closed ? try Self.freeDescriptor() : try TestDescriptors.moveToConsecutiveDescriptors([made])
        defer {
            // Never close a number that is not ours: another test may have opened it since.
            if wrong != .closed { close(fd) }
        }

        let error = #expect(throws: SystemdError.self) {
            try SocketActivation.listeningFileDescriptors(
                environment: ["LISTEN_PID": "1", "LISTEN_FDS": "1"],
                processID: 1,
                firstFileDescriptor: fd
            )
        }

        #expect(error?.code == .invalidActivatedSocket)
        #expect(error?.message.contains("fd \(fd)") == true)
    }

    private static func freeDescriptor() throws -> Int32 {
        let placeholder = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let fd = try TestDescriptors.moveToConsecutiveDescriptors([placeholder])
        close(fd)
        return fd
    }
}
