import Foundation
import LemmingJSON
import LemmingTesting
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

/// A model registry parsed the way `models.json` is, from its entries.
func modelRegistry(_ entries: JSONObject) throws -> ModelRegistry {
    let (registry, issues) = ModelRegistry.load(JSONWriter(style: .compact).bytes(.object(entries)))
    #expect(issues.filter(\.isError).isEmpty, "models.json issues: \(issues)")
    return registry
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

// MARK: - Network providers

/// The fake API key the network tests present; no error message may ever contain it.
let fakeKey = "sk-test-SECRET-123"

/// A network provider the conformance suite runs against, with the fake server format it speaks.
enum Flavour: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case openAI = "openai"
    case anthropic
    case gemini
    case ollama
    /// An OpenAI-compatible server (vLLM, llama.cpp, LM Studio): a `base_url` and no key.
    case openAICompatible = "openai_compatible"

    var testDescription: String { rawValue }

    var format: FakeModelServer.Format {
        switch self {
        case .openAI, .openAICompatible: return .openAI
        case .anthropic: return .anthropic
        case .gemini: return .gemini
        case .ollama: return .ollama
        }
    }

    /// The environment variable the key is read from; `nil`: the entry has no key.
    var keyVariable: String? {
        switch self {
        case .openAI: return "OPENAI_API_KEY"
        case .anthropic: return "ANTHROPIC_API_KEY"
        case .gemini: return "GEMINI_API_KEY"
        case .ollama: return "OLLAMA_API_KEY"
        case .openAICompatible: return nil
        }
    }

    /// A `models.json` entry for a model served by `server`, with `extra` fields over it.
    func document(_ server: FakeModelServer, _ extra: JSONObject = [:]) -> JSONObject {
        document(baseURL: server.baseURL, extra)
    }

    /// A `models.json` entry for a model at `baseURL`, with `extra` fields over it.
    func document(baseURL: String, _ extra: JSONObject = [:]) -> JSONObject {
        var document: JSONObject = [
            "provider": .string(rawValue), "model": "test-model", "base_url": .string(baseURL),
        ]
        if self == .ollama { document["api_key_env"] = "OLLAMA_API_KEY" }
        for (key, value) in extra { document[key] = value }
        return document
    }

    /// The finish reason of a reply cut off by the token limit, as each API spells it.
    var cutOffFinishReason: String {
        switch self {
        case .openAI, .openAICompatible, .ollama: return "length"
        case .anthropic: return "max_tokens"
        case .gemini: return "MAX_TOKENS"
        }
    }
}

/// Providers made the way the engine makes them (``ProviderFactory`` over `models.json` entries),
/// on a ``ManualClock``: by default retry delays and rate-limit waits of up to a minute pass at
/// once (and are recorded), while call deadlines wait for the test to move the clock.
struct ProviderHarness {
    let flavour: Flavour
    let clock: ManualClock
    let factory: ProviderFactory
    var endpoints: EndpointRegistry { factory.endpoints }

    init(
        _ flavour: Flavour, breaker: CircuitBreaker.Configuration = .init(),
        clock: ManualClock = ManualClock(skipping: .seconds(60))
    ) {
        self.flavour = flavour
        self.clock = clock
        let environment = flavour.keyVariable.map { [$0: fakeKey] } ?? [:]
        factory = ProviderFactory(environment: environment, clock: clock, breaker: breaker)
    }

    /// The waits the providers asked for (retry delays, rate-limit waits), in order.
    var waits: [Duration] { clock.skippedSleeps }

    /// The provider of one model served by `server`.
    func provider(_ server: FakeModelServer, _ extra: JSONObject = [:]) throws -> any ModelProvider {
        try provider(baseURL: server.baseURL, extra)
    }

    /// The provider of one model at `baseURL`.
    func provider(baseURL: String, _ extra: JSONObject = [:]) throws -> any ModelProvider {
        try provider(key: "m", entries: ["m": .object(flavour.document(baseURL: baseURL, extra))])
    }

    /// The provider of the model `key` in a registry of `entries`.
    func provider(key: String, entries: JSONObject) throws -> any ModelProvider {
        let registry = try modelRegistry(entries)
        let entry = try #require(registry[key])
        return try factory.makeProvider(for: entry, registry: registry, org: OrgPaths(root: NSTemporaryDirectory()))
    }
}

/// The `ProviderError` a call threw (failing the test when it threw something else, or nothing).
func providerError<Result>(_ call: () async throws -> Result) async -> ProviderError? {
    do {
        let response = try await call()
        Issue.record("expected a ProviderError, got \(response)")
        return nil
    } catch let error as ProviderError {
        #expect(!error.description.contains(fakeKey), "the key leaked into \(error.description)")
        return error
    } catch {
        Issue.record("expected a ProviderError, got \(error)")
        return nil
    }
}

/// A chat request without a reply schema.
func plainRequest() -> ChatRequest {
    var request = chatRequest()
    request.responseSchema = nil
    return request
}
