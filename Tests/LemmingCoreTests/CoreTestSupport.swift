import Foundation
import Testing

@testable import LemmingCore

/// A small deterministic pseudo-random generator (SplitMix64), so property tests replay exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// A fresh, empty directory under the system's temporary directory; remove it with `removeTree`.
func makeScratchDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "lemming-core-test-" + UUID().uuidString.lowercased()
    try FileSystem.makeDirectory(path)
    return path
}

/// Parses a JSON text that the test knows is valid.
func json(_ text: String) throws -> JSONValue {
    try JSONValue.parse(text)
}

/// Parses a JSON object text that the test knows is valid.
func jsonObject(_ text: String) throws -> JSONObject {
    try #require(try JSONValue.parse(text).objectValue)
}
