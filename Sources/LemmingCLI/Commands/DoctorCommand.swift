import ArgumentParser
import Foundation
import LemmingCore
import LemmingJSON
import LemmingMCP
import LemmingOrgView
import LemmingProviders
import LemmingTools

/// `lemming doctor`: checks each configured provider with a minimal request.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the models agents use and the org's MCP servers: configuration, keys, one request each.",
        discussion: """
            Each model is checked on its own (no fallback), with one short request (at most 16 output tokens); \
            each MCP server of lemming.json mcp.servers is started and asked for its tools. Exit status 1 when a \
            check fails. --no-call checks the configuration and keys only.
            """
    )

    @OptionGroup var org: OrgOptions

    @Option(help: "Check only this model key (repeatable).")
    var model: [String] = []

    @Flag(help: "Check every model of models.json, not only those agents use.")
    var all = false

    @Flag(help: "Do not send requests; check configuration and keys only.")
    var noCall = false

    @OptionGroup var output: OutputOptions

    struct Check {
        var key: String
        var provider: String
        var ok: Bool
        var detail: String
        var milliseconds: Double?

        var json: JSONValue {
            [
                "key": .string(key), "provider": .string(provider), "ok": .bool(ok), "detail": .string(detail),
                "duration_ms": milliseconds.map(JSONValue.double) ?? .null,
            ]
        }
    }

    func run() async throws {
        let failed = try await report()
        if failed { throw ExitCode.failure }
    }

    private func report() async throws -> Bool {
        let view = try OrgView.load(root: try org.resolve())
        let keys = try keysToCheck(view)
        let factory = ProviderFactory(environment: ProcessInfo.processInfo.environment)
        var checks: [Check] = []
        for key in keys { checks.append(await check(key, view: view, factory: factory)) }
        let tools = EngineFactory.tools()
        let sandbox = tools.sandboxSummary(config: view.config)
        // Configures the org's MCP servers, then checks each.
        _ = try tools.makeRegistry(config: view.config, org: view.paths)
        // Side by side: each server may take its startup timeout.
        if model.isEmpty {
            checks += await withTaskGroup(of: (Int, Check).self) { group in
                for (position, server) in view.config.mcp.servers.enumerated() {
                    group.addTask { (position, await check(server)) }
                }
                var results: [(Int, Check)] = []
                for await result in group { results.append(result) }
                return results.sorted { $0.0 < $1.0 }.map(\.1)
            }
        }
        for agent in view.config.a2a.agents where model.isEmpty { checks.append(await check(remote: agent)) }
        // Agents whose resume cannot be used (a folder, too large, invalid) use no model: say so.
        let disabled = view.agents.keys.sorted(by: Names.precedes).compactMap { name in
            view.agents[name].flatMap { $0.errors.isEmpty ? nil : (name, $0.errors) }
        }
        if output.json {
            try Terminal.printJSON([
                "ok": .bool(checks.allSatisfy(\.ok) && disabled.isEmpty), "checks": .array(checks.map(\.json)),
                "sandbox": .string(sandbox),
                "invalid_resumes": .array(
                    disabled.map { ["agent": .string($0.0), "errors": .strings($0.1.map(\.description))] }),
            ])
        } else {
            let style = Style.standardOutput
            try Terminal.print("sandbox: \(sandbox)")
            if checks.isEmpty { try Terminal.print("No models to check.") }
            for check in checks {
                let mark = check.ok ? style.green("ok  ") : style.red("FAIL")
                let time = check.milliseconds.map { String(format: " (%.0f ms)", $0) } ?? ""
                try Terminal.print("\(mark) \(check.key) [\(check.provider)]\(time): \(check.detail)")
            }
            for (name, errors) in disabled {
                try Terminal.print("\(style.red("FAIL")) agent \(name) is disabled: \(errors[0])")
            }
        }
        return !checks.allSatisfy(\.ok) || !disabled.isEmpty
    }

    private func keysToCheck(_ view: OrgView) throws -> [String] {
        if !model.isEmpty {
            for key in model where view.registry[key] == nil {
                throw LemmingError(.notFound, "no model '\(key)' in the registry", field: "--model")
            }
            return model
        }
        var keys = Set(ModelListing.users(view).keys)
        if all {
            let file = (try? FileSystem.readIfPresent(view.paths.models)).flatMap { $0 }.flatMap {
                try? JSONValue.parse($0)
            }
            keys.formUnion(file?.objectValue?.keys ?? [])
        }
        return keys.sorted()
    }

    /// Starts an MCP server (unless `--no-call`) and lists its tools.
    private func check(_ server: MCPSettings.Server) async -> Check {
        let key = "mcp.\(server.name)"
        let transport = server.transport == .stdio ? "mcp stdio" : "mcp http"
        guard !noCall else { return Check(key: key, provider: transport, ok: true, detail: "configured (not started)") }
        let start = ContinuousClock.now
        switch await EngineFactory.mcpServers.probe(server.name) {
        case .success(let tools):
            let elapsed = ContinuousClock.now - start
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            let names = tools.prefix(8).joined(separator: ", ") + (tools.count > 8 ? ", …" : "")
            return Check(
                key: key, provider: transport, ok: true,
                detail: "\(tools.count) tool\(tools.count == 1 ? "" : "s")\(tools.isEmpty ? "" : ": " + names)",
                milliseconds: milliseconds)
        case .failure(let failure):
            return Check(key: key, provider: transport, ok: false, detail: failure.reason)
        }
    }

    private func check(_ key: String, view: OrgView, factory: ProviderFactory) async -> Check {
        guard var entry = view.registry[key] else {
            return Check(key: key, provider: "?", ok: false, detail: "not in the registry")
        }
        entry.fallback = []
        // A health check is not part of the run a cassette records.
        entry.record = nil
        let provider: any ModelProvider
        do {
            provider = try factory.makeProvider(for: entry, registry: view.registry, org: view.paths)
        } catch {
            return Check(key: key, provider: entry.provider, ok: false, detail: "\(error)")
        }
        guard !noCall else {
            return Check(key: key, provider: entry.provider, ok: true, detail: "configured (no request sent)")
        }
        // A cassette answers only the calls it recorded: say what it holds instead of asking it.
        if let cassette = provider as? CassetteProvider {
            do {
                let calls = try cassette.cassette().lines.count
                return Check(
                    key: key, provider: entry.provider, ok: true,
                    detail: "plays back \(cassette.file): \(calls) recorded call\(calls == 1 ? "" : "s") "
                        + "(\(cassette.mode.rawValue))")
            } catch {
                return Check(key: key, provider: entry.provider, ok: false, detail: "\(error)")
            }
        }
        let request = ChatRequest(
            agent: "doctor", tick: view.tick.nextTick, modelKey: key, model: entry.model,
            messages: [
                ChatMessage(role: .system, content: #"This is a health check. Answer with exactly {"notes": "ok"}."#),
                ChatMessage(role: .user, content: "ping"),
            ], temperature: 0, maxTokens: 16)
        let start = ContinuousClock.now
        do {
            let response = try await provider.complete(request)
            let elapsed = ContinuousClock.now - start
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            let usage = response.usage.map { ", \($0.inputTokens) + \($0.outputTokens) tokens" } ?? ""
            let preview = response.text.trimmingWhitespace().prefix(60)
            return Check(
                key: key, provider: entry.provider, ok: true, detail: "answered \"\(preview)\"\(usage)",
                milliseconds: milliseconds)
        } catch {
            return Check(key: key, provider: entry.provider, ok: false, detail: "\(error)")
        }
    }
}
