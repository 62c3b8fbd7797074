import LemmingJSON
import Testing

@testable import LemmingCore
@testable import LemmingProviders

@Test func scriptedEntryMakesAScriptedProvider() throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    try directory.write("replies.jsonl", #"{"agent": "manager", "reply": "ok"}"#)
    let factory = ProviderFactory(environment: [:])
    let simulated = try factory.makeProvider(
        for: try modelEntry(["provider": "scripted"]), registry: .builtIn, org: directory.paths)
    #expect(simulated is ScriptedProvider)
    let scripted = try factory.makeProvider(
        for: try modelEntry(["provider": "scripted", "replies": "replies.jsonl"]), registry: .builtIn,
        org: directory.paths)
    #expect(scripted is ScriptedProvider)
}

@Test func scriptedEntryErrorsSurfaceFromTheFactory() throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let entry = try modelEntry(["provider": "scripted", "replies": "missing.jsonl"])
    let error = #expect(throws: LemmingError.self) {
        try ProviderFactory(environment: [:]).makeProvider(for: entry, registry: .builtIn, org: directory.paths)
    }
    #expect(error?.path == "missing.jsonl")
}

@Test func cliEntryMakesACommandProviderWithOnlyPathAndHome() throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let environment = ["PATH": "/usr/bin:/bin", "HOME": "/home/model", "OPENAI_API_KEY": "sk-test-secret"]
    let entry = try modelEntry(
        ["provider": "cli", "command": ["python3", "model.py"], "timeout_seconds": 5, "env": ["MODE": "fast"]])
    let provider = try ProviderFactory(environment: environment).makeProvider(
        for: entry, registry: .builtIn, org: directory.paths)
    let command = try #require(provider as? CommandProvider)
    #expect(command.command == ["python3", "model.py"])
    #expect(command.timeoutSeconds == 5)
    #expect(command.environment == ["PATH": "/usr/bin:/bin", "HOME": "/home/model", "MODE": "fast"])
    #expect(command.workingDirectory == directory.root)
}

@Test func cliEntryErrorsSurfaceFromTheFactory() throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let entry = try modelEntry(["provider": "cli", "command": []])
    let error = #expect(throws: LemmingError.self) {
        try ProviderFactory(environment: [:]).makeProvider(for: entry, registry: .builtIn, org: directory.paths)
    }
    #expect(error?.field == "m.command")
}

@Test(arguments: ["openai", "anthropic", "gemini"])
func hostedProvidersNeedTheirKeyInTheEnvironment(provider: String) throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let entry = try modelEntry(["provider": .string(provider), "model": "some-model"], key: "remote")
    let error = #expect(throws: LemmingError.self) {
        try ProviderFactory(environment: [:]).makeProvider(for: entry, registry: .builtIn, org: directory.paths)
    }
    #expect(error?.code == .provider)
    #expect(error?.message.hasPrefix("no API key: set ") == true)
    #expect(error?.field == "remote.api_key_env")
    let variable = ModelEntry.defaultKeyVariable(for: provider) ?? ""
    let made = try ProviderFactory(environment: [variable: "sk-test-secret"])
        .makeProvider(for: entry, registry: .builtIn, org: directory.paths)
    #expect(made is ResilientProvider)
}

@Test func openAICompatibleServersNeedABaseURL() throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let entry = try modelEntry(["provider": "openai_compatible", "model": "local"], key: "local")
    let error = #expect(throws: LemmingError.self) {
        try ProviderFactory(environment: [:]).makeProvider(for: entry, registry: .builtIn, org: directory.paths)
    }
    #expect(error?.field == "local.base_url")
}
