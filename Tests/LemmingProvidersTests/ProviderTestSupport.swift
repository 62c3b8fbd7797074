import Foundation
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// A directory under `NSTemporaryDirectory()` that a test owns; remove it with ``remove()``.
struct ScratchDirectory {
    let root: String
    var paths: OrgPaths { OrgPaths(root: root) }

    init() throws {
        root = NSTemporaryDirectory() + "lemming-providers-test-" + UUID().uuidString.lowercased()
        try FileSystem.makeDirectory(root)
    }

    /// Writes `text` at a path relative to the directory and returns the absolute path.
    @discardableResult
    func write(_ relativePath: String, _ text: String) throws -> String {
        let path = paths.absolute(relativePath)
        try FileSystem.makeDirectory(FileSystem.parentDirectory(of: path))
        try FileSystem.writeAtomically(Array(text.utf8), to: path)
        return path
    }

    func read(_ relativePath: String) throws -> String? {
        try FileSystem.readIfPresent(paths.absolute(relativePath)).map { String(decoding: $0, as: UTF8.self) }
    }

    func remove() {
        try? FileSystem.removeTree(root)
    }
}

/// A registry entry parsed the way `models.json` is, so tests exercise the real document shape.
func modelEntry(_ document: JSONObject, key: String = "m") throws -> ModelEntry {
    let bytes = JSONWriter(style: .compact).bytes(.object(JSONObject([(key, .object(document))])))
    let (registry, issues) = ModelRegistry.load(bytes)
    #expect(issues.filter(\.isError).isEmpty, "models.json issues: \(issues)")
    return try #require(registry[key])
}

/// A chat request as the engine would send it.
func chatRequest(
    agent: String = "manager",
    tick: Int = 1,
    prompt: String = "What next?",
    context: TurnContext? = nil
) -> ChatRequest {
    ChatRequest(
        agent: agent, tick: tick, modelKey: "m", model: "test-model",
        messages: [
            ChatMessage(role: .system, content: "You are \(agent)."), ChatMessage(role: .user, content: prompt),
        ],
        temperature: 0.25, maxTokens: 512, responseSchema: ["type": "object"], context: context)
}

/// An outbox entry written by `author` at `tick`.
func outboxEntry(
    _ author: String,
    tick: Int = 1,
    sequence: Int = 1,
    kind: String = "message",
    text: String = "Please draft the spec.",
    meta: JSONObject = [:]
) -> OutboxEntry {
    OutboxEntry(
        id: EntryID(tick: tick, agent: author, sequence: sequence), kind: kind, payload: ["text": .string(text)],
        createdAt: "2026-01-01T00:00:00.000Z", meta: meta)
}

/// The Python interpreter the `cli` tests run their model scripts with.
let pythonCommand: String = {
    for candidate in ["/usr/bin/python3", "/usr/local/bin/python3", "/opt/homebrew/bin/python3"]
    where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    return "python3"
}()
