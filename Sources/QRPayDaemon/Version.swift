extension Daemon {
    /// The one place the version is written. `qrpayd --version`, `qrpayctl --version`, the health answer and the
    /// Vipps system headers say it; `make deb` reads it from this line for the Debian package's version.
    public static let version = "0.4.0"
}
