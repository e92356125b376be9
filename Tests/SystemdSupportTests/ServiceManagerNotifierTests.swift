import Glibc
import SystemdSupport
import TestSupport
import Testing

@Suite("ServiceManagerNotifier")
struct ServiceManagerNotifierTests {
    /// One call of the notifier's API and the datagram systemd should see for it.
    enum Notification: CaseIterable, CustomTestStringConvertible {
        case ready
        case readyWithStatus
        case status
        case stopping
        case watchdog
        case extendTimeout
        case customAssignments
        case statusWithInjectedNewline

        func send(with notifier: ServiceManagerNotifier) -> Bool {
            switch self {
            case .ready: notifier.ready()
            case .readyWithStatus: notifier.ready(status: "Idle, 2 payments recovered")
            case .status: notifier.status("Payment acme-1 CREATED")
            case .stopping: notifier.stopping()
            case .watchdog: notifier.watchdog()
            case .extendTimeout: notifier.extendTimeout(by: .milliseconds(2500))
            case .customAssignments: notifier.notify("RELOADING=1", "MONOTONIC_USEC=42")
            case .statusWithInjectedNewline: notifier.status("Payment x\nREADY=1\r\nERRNO=5")
            }
        }

        var expectedDatagram: String {
            switch self {
            case .ready: "READY=1"
            case .readyWithStatus: "READY=1\nSTATUS=Idle, 2 payments recovered"
            case .status: "STATUS=Payment acme-1 CREATED"
            case .stopping: "STOPPING=1"
            case .watchdog: "WATCHDOG=1"
            case .extendTimeout: "EXTEND_TIMEOUT_USEC=2500000"
            case .customAssignments: "RELOADING=1\nMONOTONIC_USEC=42"
            case .statusWithInjectedNewline: "STATUS=Payment x READY=1  ERRNO=5"
            }
        }

        var testDescription: String { "\(self)" }
    }

    @Test(arguments: Notification.allCases)
    func sendsTheDatagramSystemdExpects(notification: Notification) throws {
        let directory = try TemporaryDirectory()
        let receiver = try DatagramReceiver(address: directory.path + "/notify.sock")
        let notifier = ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": receiver.address])
        #expect(notifier.isEnabled)

        #expect(notification.send(with: notifier))

        #expect(try receiver.receiveText() == notification.expectedDatagram)
    }

    @Test func reachesAnAbstractNotifySocket() throws {
        let receiver = try DatagramReceiver(address: DatagramReceiver.uniqueAbstractAddress())
        let notifier = ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": receiver.address])

        #expect(notifier.ready(status: "Accepting payments"))

        #expect(try receiver.receiveText() == "READY=1\nSTATUS=Accepting payments")
    }

    @Test(arguments: [[:], ["NOTIFY_SOCKET": ""], ["NOTIFY_SOCKET": "vsock:2:1234"]])
    func isANoOpWithoutAUsableNotifySocket(environment: [String: String]) {
        let notifier = ServiceManagerNotifier(environment: environment)

        #expect(!notifier.isEnabled)
        #expect(!notifier.ready(status: "nobody hears this"))
        #expect(!notifier.watchdog())
    }

    @Test func swallowsTheFailureWhenSystemdIsGone() throws {
        let directory = try TemporaryDirectory()
        let notifier = ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": directory.path + "/gone.sock"])

        #expect(notifier.isEnabled)
        #expect(!notifier.stopping())
    }

    @Test(
        arguments: [
            (["WATCHDOG_USEC": "30000000"], Duration.seconds(30)),
            (["WATCHDOG_USEC": "1500", "WATCHDOG_PID": "4242"], Duration.microseconds(1500)),
            (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"], nil),
            (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "not-a-pid"], nil),
            (["WATCHDOG_USEC": "0"], nil),
            (["WATCHDOG_USEC": "-5"], nil),
            (["WATCHDOG_USEC": "30s"], nil),
            ([:], nil),
        ] as [([String: String], Duration?)]
    )
    func readsTheWatchdogIntervalMeantForThisProcess(environment: [String: String], expected: Duration?) {
        let notifier = ServiceManagerNotifier(environment: environment, processID: 4242)
        #expect(notifier.watchdogInterval == expected)
    }

    @Test func defaultsToThisProcessForWatchdogPID() {
        let environment = ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": String(getpid())]
        #expect(ServiceManagerNotifier(environment: environment).watchdogInterval == .seconds(2))
    }
}
