import Foundation
import NIOCore

/// The page's files, read once at start-up so serving them never touches the disk and a missing file is
/// reported before the kiosk asks for it.
struct DisplayAssets: Sendable {
    struct File: Sendable {
        var contentType: String
        var bytes: ByteBuffer
    }

    /// Keyed by file name; only the top level of the directory is served.
    private(set) var files: [String: File]

    /// The page is a few kilobytes; anything near this is a wrong directory, not a page.
    static let maximumTotalSize = 4 * 1024 * 1024

    static func load(from directory: String) throws(DisplaySettingsError) -> DisplayAssets {
        let directoryURL = URL(fileURLWithPath: directory, isDirectory: true)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw DisplaySettingsError(code: .assetsMissing, message: "cannot list display assets in \(directory)")
        }
        var files: [String: File] = [:]
        var totalSize = 0
        for name in names.sorted() where Self.isServableName(name) {
            let url = directoryURL.appendingPathComponent(name)
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey])
            guard values?.isRegularFile == true else {
                continue
            }
            let data: Data
            do {
                data = try Data(contentsOf: url)
            } catch {
                throw DisplaySettingsError(code: .assetsMissing, message: "cannot read display asset \(url.path)")
            }
            totalSize += data.count
            guard totalSize <= Self.maximumTotalSize else {
                throw DisplaySettingsError(
                    code: .assetsMissing,
                    message: "display assets in \(directory) exceed \(Self.maximumTotalSize) bytes; wrong directory?"
                )
            }
            files[name] = File(contentType: Self.contentType(forFileName: name), bytes: ByteBuffer(bytes: data))
        }
        guard files["index.html"] != nil else {
            throw DisplaySettingsError(code: .assetsMissing, message: "no index.html in \(directory)")
        }
        return DisplayAssets(files: files)
    }

    subscript(name: String) -> File? {
        Self.isServableName(name) ? self.files[name] : nil
    }

    /// Plain file names only: no hidden files, no path separators, nothing a URL could use to climb out.
    static func isServableName(_ name: String) -> Bool {
        guard let first = name.first, first != ".", name.count <= 100 else {
            return false
        }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }
    }

    static func contentType(forFileName name: String) -> String {
        let fileExtension = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch fileExtension {
        case "html": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json": return "application/json"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "webp": return "image/webp"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        case "txt": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}
