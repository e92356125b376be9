import QRDrawing

#if canImport(Glibc)
    import Glibc
#endif

// qrpayctl: `qr` is drawn here, from a binary that links only the renderer; every other command line (and any `qr`
// line the fast path is not sure of, or that fails) goes to qrpayctl-commands, which answers it in full.
let arguments = CommandLine.arguments
if arguments.count > 1, arguments[1] == "qr", let drawing = QRFastPath.drawing(from: arguments.dropFirst(2)) {
    do {
        if let summary = try drawing.draw() {
            // The picture is written; a summary that cannot be shown (standard output closed) changes nothing.
            try? FileOutput.writeLine(summary, to: STDOUT_FILENO)
        }
        exit(0)
    } catch let error as FileOutput.WriteError where drawing.output == "-" {
        // Part of the picture may be out already: drawing it again would append a second copy.
        try? FileOutput.writeLine("Error: \(error.description)", to: STDERR_FILENO)
        exit(1)
    } catch {
        // A request the renderer refuses, or a file that cannot be written (nothing was left behind): the full
        // client tries the same line and says what is wrong in its own words.
    }
}
CommandsExecutable.exec(arguments)
