import LemmingJSON
import Testing

@testable import LemmingCore

extension JSONLocator.Outcome {
    var isNotFound: Bool {
        if case .notFound = self { return true }
        return false
    }
}

private func blocks(_ text: String) -> [String] {
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { buffer in
        JSONLocator.fencedBlocks(buffer).map { String(decoding: bytes[$0], as: UTF8.self) }
    }
}

@Test func fencedBlocksSkipTheLanguageTagAndFindEveryBlock() {
    #expect(blocks("a\n```json\n{\"x\":1}\n```\nb\n```\n[2]\n```") == ["{\"x\":1}\n", "[2]\n"])
    #expect(blocks("```swift\nlet x = 1\n```") == ["let x = 1\n"])
    #expect(blocks("no fences") == [])
}

@Test func unclosedFenceRunsToTheEnd() {
    #expect(blocks("```json\n{\"x\":1}") == ["{\"x\":1}"])
    #expect(blocks("```json") == [])
    #expect(blocks("``") == [])
}

@Test func locatesAnObjectWhereverItIs() throws {
    #expect(JSONLocator.locate(#"{"a":1}"#) == .object(["a": 1]))
    #expect(JSONLocator.locate("text ```json\n{\"a\":1}\n``` more") == .object(["a": 1]))
    #expect(JSONLocator.locate(#"before {"a":{"b":2}} after {"c":3}"#) == .object(["a": ["b": 2]]))
}

@Test func wholeNonObjectDocumentIsNotAnObject() {
    #expect(JSONLocator.locate("[1]") == .notObject([1]))
    #expect(JSONLocator.locate(#""s""#) == .notObject("s"))
}

@Test func fencedNonObjectIsNotAnObject() {
    #expect(JSONLocator.locate("Here:\n```json\n[1, 2]\n```") == .notObject([1, 2]))
    #expect(parseReply("Here:\n```json\n\"done\"\n```").codes == ["not_object"])
    // An object anywhere else still wins.
    #expect(JSONLocator.locate("```json\n[1]\n```\n{\"a\":1}") == .object(["a": 1]))
    #expect(JSONLocator.locate("```\n[1]\n```\n```json\n{\"a\":1}\n```") == .object(["a": 1]))
}

@Test func givesUpAfterTheMaximumNumberOfAttempts() {
    let noise = String(repeating: "{x ", count: JSONLocator.maximumAttempts)
    #expect(JSONLocator.locate(noise + #"{"a":1}"#).isNotFound)
    let lessNoise = String(repeating: "{x ", count: JSONLocator.maximumAttempts - 1)
    #expect(JSONLocator.locate(lessNoise + #"{"a":1}"#) == .object(["a": 1]))
}

@Test func nothingToFindIsNotFound() {
    #expect(JSONLocator.locate("") == .notFound(JSONLocator.noObject))
    #expect(JSONLocator.locate("just words") == .notFound(JSONLocator.noObject))
    #expect(JSONLocator.locate("{ broken").isNotFound)
}
