import ArgumentParser
import QRDrawing
import QRRendering

/// `qrpayctl qr TEXT -o FILE.png`: draws a QR code by hand, with the same renderer the daemon uses.
///
/// qrpayctl draws a well-formed `qr` command line itself (`QRFastPath`) and sends everything else here: help, and
/// every mistake, so each has ArgumentParser's message and exit code. Both ends build the same `QRDrawing`.
struct QRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qr",
        abstract: "Draw TEXT as a QR code PNG (the same renderer the daemon uses)."
    )

    @Argument(help: "The text to encode, for example a https://qr.vipps.no/... URL.")
    var text: String

    @Option(name: .shortAndLong, help: "Where to write the PNG; '-' writes it to standard output.")
    var output: String

    @Option(help: "Error-correction level: L, M, Q or H.")
    var level: String = QRDrawing.defaultLevel

    @Option(help: "Pixels per module (default \(QRDrawing.defaultModuleSize)).")
    var moduleSize: Int?

    @Option(help: "Largest image width in pixels (instead of --module-size).")
    var width: Int?

    @Option(help: "Quiet zone in modules (at least 4).")
    var quietZone: Int = QRRenderOptions.minimumQuietZone

    @Option(help: "Dark colour as #RRGGBB.")
    var foreground: String = QRDrawing.defaultForeground

    @Option(help: "Light colour as #RRGGBB.")
    var background: String = QRDrawing.defaultBackground

    func run() throws {
        var drawing = QRDrawing(text: self.text, output: self.output)
        drawing.level = self.level
        drawing.moduleSize = self.moduleSize
        drawing.width = self.width
        drawing.quietZone = self.quietZone
        drawing.foreground = self.foreground
        drawing.background = self.background
        let summary: String?
        do {
            summary = try drawing.draw()
        } catch let invalid as QRDrawing.Invalid {
            throw ValidationError(invalid.description)
        }
        if let summary {
            print(summary)
        }
    }
}
