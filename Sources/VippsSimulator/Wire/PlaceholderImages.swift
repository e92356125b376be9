import Foundation

/// Stand-ins for the QR API's images: valid files that show a checkerboard, not a scannable code (the daemon
/// renders its own QR; these only prove a client can follow an image link).
enum PlaceholderImages {
    /// A 116×116 1-bit PNG.
    static let png =
        Data(
            base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAHQAAAB0AQAAAAB84SuKAAAAKklEQVR42mP4jwI+"
                + "MIw8Pj8CkMX/AAf/yeKP2j9q/6j9o/YPVftHdP0BAJ974XVOomEJAAAAAElFTkSu"
                + "QmCC"
        ) ?? Data()

    static let svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="116" height="116" viewBox="0 0 29 29">\
        <rect width="29" height="29" fill="#fff"/><path d="M4 4h21v21H4z" fill="#000" opacity="0.5"/></svg>
        """
}
