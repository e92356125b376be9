import QRDrawing

/// Reads a well-formed `qrpayctl qr` command line without ArgumentParser, whose reflection would cost this command
/// more than the drawing itself. Anything it is not sure of (help, `--`, a repeated or unknown option, a value that
/// looks like an option or is not a number) gives nil, and qrpayctl-commands parses the line: its messages and exit
/// codes are the only ones a user sees. The options are `QRCommand`'s; a test compares the two lists.
enum QRFastPath {
    /// `QRCommand`'s options.
    private enum Option: String {
        case output = "--output"
        case level = "--level"
        case moduleSize = "--module-size"
        case width = "--width"
        case quietZone = "--quiet-zone"
        case foreground = "--foreground"
        case background = "--background"

        init?(typed name: String) {
            self.init(rawValue: name == "-o" ? Self.output.rawValue : name)
        }

        /// Sets the option's value, or gives false when ArgumentParser should judge it.
        func set(_ value: String, in drawing: inout QRDrawing) -> Bool {
            switch self {
            case .output: drawing.output = value
            case .level: drawing.level = value
            case .foreground: drawing.foreground = value
            case .background: drawing.background = value
            case .moduleSize, .width, .quietZone:
                guard let number = Int(value) else { return false }
                switch self {
                case .moduleSize: drawing.moduleSize = number
                case .width: drawing.width = number
                default: drawing.quietZone = number
                }
            }
            return true
        }
    }

    /// The request `arguments` (what follows `qr`) describe, or nil when ArgumentParser should read them.
    static func drawing(from arguments: ArraySlice<String>) -> QRDrawing? {
        var drawing = QRDrawing(text: "", output: "")
        var text: String?
        var seen: Set<Option> = []
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            guard argument.hasPrefix("-") else {
                guard text == nil else { return nil }
                text = argument
                continue
            }
            let name: String
            let value: String
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            } else {
                guard let next = remaining.popFirst() else { return nil }
                name = argument
                value = next
            }
            guard let option = Option(typed: name), seen.insert(option).inserted else { return nil }
            // `-o -` is standard output; any other value starting with `-` is ArgumentParser's to judge.
            guard !value.hasPrefix("-") || (option == .output && value == "-") else { return nil }
            guard option.set(value, in: &drawing) else { return nil }
        }
        guard let text, seen.contains(.output) else { return nil }
        drawing.text = text
        return drawing
    }
}
