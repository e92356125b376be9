import Foundation
import QRPayConfiguration
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The demo's directory on a shared `/tmp`: per user, and used only when it is this user's own private directory.
@Suite struct DemoDirectoryTests {
    @Test func theDirectoryIsPerUser() {
        #expect(DemoLocation.directory.hasSuffix("/qrpayd-demo-\(getuid())"))
        #expect(DemoLocation.socketPath == DemoLocation.directory + "/control.sock")
    }

    @Test func aNewDirectoryIsCreatedPrivate() throws {
        let directory = try TemporaryDirectory(prefix: "demo-dir")
        let path = directory.file("qrpayd-demo").path
        try DemoLocation.prepareDirectory(at: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        // A second demo of the same user finds it as it was left.
        #expect(try DemoLocation.prepareDirectory(at: path) == path)
    }

    @Test func aSymbolicLinkPlantedByAnotherUserIsRefused() throws {
        let directory = try TemporaryDirectory(prefix: "demo-dir")
        let target = directory.file("elsewhere").path
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        let path = directory.file("qrpayd-demo").path
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
        #expect(throws: DemoLocation.UnsafeDirectory.self) { try DemoLocation.prepareDirectory(at: path) }
    }

    @Test func aDirectoryOthersMayEnterIsRefused() throws {
        let directory = try TemporaryDirectory(prefix: "demo-dir")
        let path = directory.file("qrpayd-demo").path
        try FileManager.default.createDirectory(
            atPath: path,
            withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o777]
        )
        let error = try #require(throws: DemoLocation.UnsafeDirectory.self) {
            try DemoLocation.prepareDirectory(at: path)
        }
        #expect(error.description.contains("mode 777"))
    }

    @Test(.enabled(if: getuid() == 0, "needs root to give the directory to another user"))
    func aDirectoryOfAnotherUserIsRefused() throws {
        let directory = try TemporaryDirectory(prefix: "demo-dir")
        let path = directory.file("qrpayd-demo").path
        try FileManager.default.createDirectory(
            atPath: path,
            withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o700]
        )
        #expect(chown(path, 65534, 65534) == 0)
        let error = try #require(throws: DemoLocation.UnsafeDirectory.self) {
            try DemoLocation.prepareDirectory(at: path)
        }
        #expect(error.description.contains("belongs to uid 65534"))
    }
}
