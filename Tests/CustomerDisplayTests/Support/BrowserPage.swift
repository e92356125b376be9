import Foundation

/// One browser tab, attached over DevTools, with the few operations the page tests need.
struct BrowserPage: Sendable {
    struct PageError: Error, CustomStringConvertible {
        var description: String
    }

    let connection: DevToolsConnection
    let session: String

    /// Opens a blank tab with a `width`×`height` viewport and turns on the events the tests record.
    static func open(in connection: DevToolsConnection, width: Int, height: Int) async throws -> BrowserPage {
        struct Created: Decodable { var targetId: String }
        struct Attached: Decodable { var sessionId: String }
        let created = try await connection.call("Target.createTarget", ["url": "about:blank"], as: Created.self)
        let attached = try await connection.call(
            "Target.attachToTarget",
            ["targetId": created.targetId, "flatten": true],
            as: Attached.self
        )
        let page = BrowserPage(connection: connection, session: attached.sessionId)
        for method in ["Page.enable", "Network.enable", "Runtime.enable", "Log.enable"] {
            try await connection.send(method, session: page.session)
        }
        try await page.resize(width: width, height: height)
        return page
    }

    func resize(width: Int, height: Int) async throws {
        try await self.connection.send(
            "Emulation.setDeviceMetricsOverride",
            ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false],
            session: self.session
        )
    }

    /// Loads `url` and returns after its `load` event.
    func navigate(to url: String) async throws {
        struct Navigated: Decodable { var errorText: String? }
        let loads = await self.connection.eventCount("Page.loadEventFired", session: self.session)
        let navigated = try await self.connection.call(
            "Page.navigate",
            ["url": url],
            session: self.session,
            as: Navigated.self
        )
        if let errorText = navigated.errorText {
            throw PageError(description: "navigation to \(url) failed: \(errorText)")
        }
        try await self.connection.waitForEvent("Page.loadEventFired", session: self.session, count: loads + 1)
    }

    /// Evaluates `expression` in the page (awaiting it if it is a promise) and decodes its value.
    func evaluate<Value: Decodable>(_ expression: String, as type: Value.Type = Value.self) async throws -> Value {
        let answer = try await self.connection.send(
            "Runtime.evaluate",
            ["expression": expression, "awaitPromise": true, "returnByValue": true],
            session: self.session
        )
        // A thrown error (or rejected promise) comes back as exception details next to an unusable value.
        let outcome = try JSONDecoder().decode(Answer<EvaluationOutcome>.self, from: answer).result
        if let details = outcome.exceptionDetails {
            throw PageError(description: details.exception?.description ?? details.text)
        }
        guard let value = try JSONDecoder().decode(Answer<EvaluatedValue<Value>>.self, from: answer).result.result.value
        else {
            throw PageError(description: "\(expression) gave no value")
        }
        return value
    }

    /// Returns once the JavaScript `condition` holds, re-checking whenever an attribute of `<html>` changes (the
    /// page records what it shows there). The page's own timer turns a wait that never ends into a failure.
    func waitUntil(_ condition: String, timeoutSeconds: Int = 30) async throws {
        let script = """
            new Promise((resolve, reject) => {
              const holds = () => { try { return Boolean(\(condition)); } catch (error) { return false; } };
              if (holds()) { resolve(true); return; }
              const observer = new MutationObserver(() => {
                if (holds()) { observer.disconnect(); clearTimeout(timer); resolve(true); }
              });
              observer.observe(document.documentElement, { attributes: true });
              const timer = setTimeout(() => {
                observer.disconnect();
                reject(new Error('not reached: ' + \(Self.javaScriptString(condition))
                  + ' (page state ' + JSON.stringify(document.documentElement.dataset) + ')'));
              }, \(timeoutSeconds * 1000));
            })
            """
        _ = try await self.evaluate(script, as: Bool.self)
    }

    /// The state marks the page keeps on `<html>`.
    func marks() async throws -> [String: String] {
        try await self.evaluate("Object.assign({}, document.documentElement.dataset)")
    }

    /// The text a person sees (hidden screens excluded), with non-breaking spaces and hyphens made plain.
    func visibleText() async throws -> String {
        try await self.evaluate(#"document.body.innerText.replace(/\u00a0/g, ' ').replace(/\u2011/g, '-')"#)
    }

    func screenshot() async throws -> Data {
        struct Captured: Decodable { var data: String }
        let captured = try await self.connection.call(
            "Page.captureScreenshot",
            ["format": "png"],
            session: self.session,
            as: Captured.self
        )
        guard let png = Data(base64Encoded: captured.data) else {
            throw PageError(description: "screenshot was not base64")
        }
        return png
    }

    static func javaScriptString(_ text: String) -> String {
        guard let data = try? JSONEncoder().encode(text) else { return "''" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The parts of a DevTools answer the page helpers read.
private struct Answer<Result: Decodable>: Decodable {
    var result: Result
}

/// Whether `Runtime.evaluate` threw.
private struct EvaluationOutcome: Decodable {
    struct Details: Decodable {
        struct Exception: Decodable {
            var description: String?
        }
        var text: String
        var exception: Exception?
    }
    var exceptionDetails: Details?
}

/// What `Runtime.evaluate` with `returnByValue` produced.
private struct EvaluatedValue<Value: Decodable>: Decodable {
    struct Remote: Decodable {
        var value: Value?
    }
    var result: Remote
}
