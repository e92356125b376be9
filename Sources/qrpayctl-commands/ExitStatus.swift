import ArgumentParser

/// qrpayctl's exit codes, for scripts and tills that shell out to it.
enum ExitStatus {
    /// The daemon answered with a problem (printed on standard error).
    static let problem = ExitCode(1)
    /// The command line was wrong.
    static let usage = ExitCode(2)
    /// The daemon could not be reached.
    static let cannotConnect = ExitCode(3)
    /// `pay --wait`: the payment ended without the customer paying (declined, expired, cancelled, failed).
    static let notPaid = ExitCode(4)
    /// capture, refund, cancel: accepted, but Vipps has not confirmed yet (`202`); qrpayd finishes it.
    static let pending = ExitCode(5)

    static let summary = """
        Exit codes: 0 done; 1 the daemon refused (problem on stderr); 2 usage error; 3 cannot reach the daemon; \
        4 (pay --wait) the customer did not pay; 5 (capture, refund, cancel) accepted, Vipps' answer still pending.
        """
}
