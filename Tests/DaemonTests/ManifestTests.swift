import Foundation
import TestSupport
import Testing

/// Package.swift declares exactly what each target imports: nothing builds only because another dependency happens
/// to bring a module in, and nothing is linked that no one uses (`Tests/manifest/check_imports.py`).
@Suite struct ManifestTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func everyTargetDeclaresWhatItImportsAndNothingElse() async throws {
        let script = Self.packageRoot.appendingPathComponent("Tests/manifest/check_imports.py").path
        let result = try await CLIProcess.run([script, Self.packageRoot.path], executable: "/usr/bin/python3")
        #expect(result.status == 0, "\(result.output)\(result.standardError)")
        #expect(result.output.contains(": 0 problems"), "\(result.output)")
    }
}
