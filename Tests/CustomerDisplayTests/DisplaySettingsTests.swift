import CustomerDisplay
import Testing

@Suite struct DisplaySettingsTests {
    @Test func repositorySettingsAreValid() throws {
        try testSettings().validate()
    }

    @Test(arguments: ["127.0.0.1", "127.0.0.53", "::1"])
    func loopbackHostsAreAccepted(host: String) throws {
        var settings = testSettings()
        settings.host = host
        try settings.validate()
    }

    @Test(arguments: [
        "0.0.0.0", "192.168.1.20", "::", "localhost", "example.com", "127.0.0.256", "127.1", "127.0.0.01", "",
    ])
    func nonLoopbackHostsAreRejected(host: String) {
        var settings = testSettings()
        settings.host = host
        #expect(throws: DisplaySettingsError(code: .hostNotLoopback, message: "")) {
            try settings.validate()
        }
    }

    @Test(arguments: [-1, 65536])
    func portsOutsideTheRangeAreRejected(port: Int) {
        var settings = testSettings()
        settings.port = port
        #expect(throws: DisplaySettingsError(code: .invalidPort, message: "")) {
            try settings.validate()
        }
    }

    @Test(arguments: ["FF5B24", "#FF5B2", "#FF5B244", "#GG5B24", "red", "#ＦＦ5B24"])
    func accentColoursMustBeHexTriplets(color: String) {
        var settings = testSettings()
        settings.accentColor = color
        #expect(throws: DisplaySettingsError(code: .invalidAccentColor, message: "")) {
            try settings.validate()
        }
    }

    @Test(arguments: ["", "   ", "Tab\tShop", String(repeating: "x", count: 61)])
    func unusableShopNamesAreRejected(name: String) {
        var settings = testSettings()
        settings.shopName = name
        #expect(throws: DisplaySettingsError(code: .invalidShopName, message: "")) {
            try settings.validate()
        }
    }

    @Test(arguments: [Duration.zero, .milliseconds(999), .seconds(601)])
    func paidScreenDurationMustBeSensible(duration: Duration) {
        var settings = testSettings()
        settings.paidScreenDuration = duration
        #expect(throws: DisplaySettingsError(code: .invalidPaidScreenDuration, message: "")) {
            try settings.validate()
        }
    }

    @Test func aMissingPageIsReportedAtStartUp() {
        var settings = testSettings()
        settings.assetsDirectory = "/nonexistent/qrpayd/display"
        #expect(throws: DisplaySettingsError(code: .assetsMissing, message: "")) {
            try settings.validate()
        }
    }

    @Test func errorsSayWhatToChange() throws {
        var settings = testSettings()
        settings.host = "0.0.0.0"
        let error = try #require(throws: DisplaySettingsError.self) { try settings.validate() }
        #expect(error.message.contains("0.0.0.0"))
        #expect(error.message.contains("127.0.0.1"))
    }

    @Test func defaultsMatchTheDesign() {
        let settings = DisplaySettings(shopName: "Kiosk")
        #expect(settings.host == "127.0.0.1")
        #expect(settings.port == 8765)
        #expect(settings.language == .norwegian)
        #expect(settings.accentColor == "#FF5B24")
        #expect(settings.paidScreenDuration == .seconds(8))
        #expect(settings.assetsDirectory == "/usr/share/qrpayd/display")
    }
}
