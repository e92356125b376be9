import Foundation
import NIOCore

/// What `/config.json` tells the page: the settings that change how it looks, nothing about the daemon.
struct PageConfiguration: Encodable {
    var shopName: String
    var language: String
    var brand: String
    var accentColor: String
    var paidScreenMilliseconds: Int64

    init(_ settings: DisplaySettings) {
        self.shopName = settings.shopName
        self.language = settings.language.rawValue
        self.brand = settings.brand.rawValue
        self.accentColor = settings.accentColor
        let components = settings.paidScreenDuration.components
        self.paidScreenMilliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    func encoded() throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return ByteBuffer(bytes: try encoder.encode(self))
    }
}
