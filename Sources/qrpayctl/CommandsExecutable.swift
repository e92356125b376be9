import QRDrawing

#if canImport(Glibc)
    import Glibc
#endif

/// qrpayctl-commands: the rest of qrpayctl (ArgumentParser, the daemon's HTTP client, doctor). It is installed in
/// `libexec/qrpayd` beside `bin` (the package's /usr/libexec/qrpayd) and lies next to qrpayctl in a build directory.
enum CommandsExecutable {
    static let name = "qrpayctl-commands"

    /// Where to look, in order, for this qrpayctl.
    static func candidates() -> [String] {
        guard let resolved = realpath("/proc/self/exe", nil) else { return [] }
        defer { free(resolved) }
        let executable = String(cString: resolved)
        guard let slash = executable.lastIndex(of: "/") else { return [] }
        let directory = String(executable[..<slash])
        return ["\(directory)/../libexec/qrpayd/\(Self.name)", "\(directory)/\(Self.name)"]
    }

    /// Replaces this process with qrpayctl-commands and the same arguments (the first still says `qrpayctl`, so
    /// usage lines, `ps` and the journal keep the name the user typed); exits 70 if it is not installed.
    static func exec(_ arguments: [String]) -> Never {
        let candidates = Self.candidates()
        var failures: [String] = []
        var argv = arguments.map { strdup($0) }
        argv.append(nil)
        for candidate in candidates {
            execv(candidate, &argv)
            failures.append("\(candidate): \(String(cString: strerror(errno)))")
        }
        let searched = failures.isEmpty ? "cannot resolve /proc/self/exe" : failures.joined(separator: "; ")
        try? FileOutput.writeLine(
            "Error: qrpayctl cannot find \(Self.name) (\(searched)). Reinstall the qrpayd package; in a checkout, "
                + "`swift build` builds it next to qrpayctl.",
            to: STDERR_FILENO
        )
        exit(70)
    }
}
