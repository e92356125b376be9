import Foundation
import Testing

/// Static checks of the page files: everything is local, no inline code (the CSP would block it), and small.
@Suite struct PageAssetsTests {
    static var files: [URL] {
        get throws {
            try FileManager.default.contentsOfDirectory(
                at: URL(fileURLWithPath: displayAssetsDirectory),
                includingPropertiesForKeys: [.fileSizeKey]
            ).sorted { $0.lastPathComponent < $1.lastPathComponent }
        }
    }

    static func text(of name: String) throws -> String {
        try String(contentsOfFile: displayAssetsDirectory + "/" + name, encoding: .utf8)
    }

    @Test func nothingIsLoadedFromAnotherOrigin() throws {
        let absoluteURL = try Regex(#"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}|["'(=]\s*//"#)
        for file in try Self.files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.contains(absoluteURL) {
                Issue.record("\(file.lastPathComponent) refers to another origin: \(line)")
            }
        }
    }

    @Test func theHTMLHasNoInlineCodeOrStyle() throws {
        let html = try Self.text(of: "index.html")
        #expect(!html.contains(try Regex(#"<script(?![^>]*\bsrc=)[^>]*>"#)), "scripts come from files")
        #expect(!html.contains(try Regex(#"<script[^>]*>[^<]+</script>"#)), "script tags are empty")
        #expect(!html.contains(try Regex(#"(?i)\son[a-z]+\s*="#)), "no inline event handlers")
        #expect(!html.contains(try Regex(#"(?i)\sstyle\s*="#)), "no style attributes")
        #expect(!html.contains("<style"), "styles come from files")
        #expect(!html.lowercased().contains("javascript:"))
    }

    @Test func everyFileThePageNamesExists() throws {
        let html = try Self.text(of: "index.html")
        let references = html.matches(of: try Regex(#"(?:src|href)="/assets/([^"]+)""#)).compactMap {
            $0.output[1].substring.map(String.init)
        }
        #expect(Set(references) == ["display.css", "display.js"])
        for name in references {
            #expect(FileManager.default.fileExists(atPath: displayAssetsDirectory + "/" + name), "\(name) is missing")
        }
    }

    @Test func theScriptUsesNoStorageOrRemoteAPIs() throws {
        let script = try Self.text(of: "display.js")
        for forbidden in ["eval(", "new Function", "innerHTML", "localStorage", "document.write", "location.reload"] {
            #expect(!script.contains(forbidden), "display.js uses \(forbidden)")
        }
    }

    @Test func thePageIsSmall() throws {
        var total = 0
        for file in try Self.files {
            let size = try file.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0
            print("page file \(file.lastPathComponent): \(size) bytes")
            total += size
        }
        print("page weight: \(total) bytes")
        #expect(total < 48 * 1024)
    }
}
