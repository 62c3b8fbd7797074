import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore

/// A fresh, empty directory under the system's temporary directory; remove it with `removeTree`.
func makeScratchDirectory() throws -> String {
    try makeTemporaryDirectory(prefix: "lemming-core-test-")
}

/// Parses a JSON text that the test knows is valid.
func json(_ text: String) throws -> JSONValue {
    try JSONValue.parse(text)
}

/// Parses a JSON object text that the test knows is valid.
func jsonObject(_ text: String) throws -> JSONObject {
    try #require(try JSONValue.parse(text).objectValue)
}
