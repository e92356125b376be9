/// What this build of qrpayd is.
package enum QRPayBuild {
    /// The one place the version is written. `qrpayd --version`, `qrpayctl --version`, the health answer, the metrics'
    /// build info and the Vipps system headers say it; `make deb` reads it from this line for the Debian package.
    package static let version = "0.4.0"
}
