import Foundation
import JSONValues
import NIOCore

/// The OpenAPI 3.1 description of the control API, served at `GET /v1/openapi.json` so a till's developers can
/// generate a client or read the contract from the box itself.
///
/// It is `Resources/openapi.json`, a SwiftPM resource embedded in the binary (no resource bundle to install next to
/// it). Its paths are checked against ``ControlRoute/all`` by the tests, and the daemon's real answers against its
/// schemas (with openapi-core and schemathesis).
enum OpenAPIDocument {
    /// The document with `info.version` set to the daemon's version.
    ///
    /// - Throws: ``ControlServerError`` if the embedded document is not a JSON object with `info` (a broken build).
    static func served(version: String) throws(ControlServerError) -> ByteBuffer {
        let parsed = JSONValue.parse(Data(PackageResources.openapi_json))
        guard case .object(var document)? = parsed, case .object(var info)? = document["info"] else {
            throw ControlServerError(
                code: .documentUnreadable,
                message: "The OpenAPI document built into qrpayd is not a JSON object with info: a broken build."
            )
        }
        info["version"] = .string(version)
        document["info"] = .object(info)
        return ByteBuffer(bytes: JSONValue.object(document).serialized())
    }
}
