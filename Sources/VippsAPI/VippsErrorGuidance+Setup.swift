extension VippsErrorGuidance {
    /// Rows that mean the box is set up wrong (keys, MSN, the sales unit's agreement or its settings): nothing
    /// succeeds until someone changes the configuration or the Vipps portal. The fleet's alert rules page on these.
    static let setupProblemIDs: Set<String> = [
        "missing-subscription-key",
        "invalid-subscription-key",
        "invalid-client-credentials",
        "access-token-rejected",
        "invalid-msn-psp",
        "invalid-msn-supermerchant",
        "invalid-msn",
        "login-only-sales-unit",
        "merchant-serial-number-not-allowed",
        "merchant-deactivated",
        "skip-landing-page-not-allowed",
        "merchant-agreement-missing",
    ]

    /// Whether this error means the box's credentials or configuration need an operator (the `setup` label of
    /// `qrpayd_vipps_errors_total`).
    public var isSetupProblem: Bool { Self.setupProblemIDs.contains(self.id) }
}
