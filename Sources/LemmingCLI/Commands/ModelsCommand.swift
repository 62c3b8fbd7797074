import ArgumentParser
import Foundation
import LemmingCore
import LemmingProviders

/// `lemming models`: the model registry.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the model registry: built-in and models.json entries, providers, prices, keys present.",
        discussion: "API keys are read from the environment; this shows whether each variable is set, never its value."
    )

    @OptionGroup var org: OrgOptions

    @Flag(help: "Only the models that agents use (and their fallbacks).")
    var used = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Terminal.guarded {
            let view = try OrgView.load(root: try org.resolve())
            let environment = ProcessInfo.processInfo.environment
            let users = ModelsCommand.users(view)
            var keys = view.registry.keys.sorted()
            if used { keys = keys.filter { users[$0] != nil } }
            let rows = keys.compactMap { view.registry[$0] }.map {
                ModelRow(entry: $0, environment: environment, users: users[$0.key] ?? [])
            }
            if output.json {
                Terminal.printJSON(.array(rows.map(\.json)))
                return
            }
            let style = Style.standardOutput
            Terminal.print(
                Table.render(
                    header: ["KEY", "PROVIDER", "MODEL", "CONTEXT", "PRICE IN/OUT", "API KEY", "USED BY", "FROM"],
                    rows: rows.map { row in
                        [
                            row.entry.key, row.entry.provider, row.entry.model,
                            row.entry.maxContextTokens.map(String.init) ?? "-", row.price,
                            row.keyVariable.map { row.keyPresent ? "\($0) set" : style.yellow("\($0) missing") } ?? "-",
                            row.users.isEmpty ? "-" : row.users.joined(separator: ","),
                            ModelRegistry.isBuiltIn(row.entry.key) && row.entry.document["price_in_per_mtok"] == nil
                                ? "built-in" : "models.json",
                        ]
                    }))
        }
    }

    /// The agents using each model key, directly or as a fallback.
    static func users(_ view: OrgView) -> [String: [String]] {
        var users: [String: [String]] = [:]
        for name in view.agentNames {
            guard let key = view.agents[name]?.resume?.model.key else { continue }
            users[key, default: []].append(name)
            for fallback in view.registry[key]?.fallback ?? [] where users[fallback]?.contains(name) != true {
                users[fallback, default: []].append(name)
            }
        }
        return users
    }
}

/// One line of `lemming models`.
struct ModelRow {
    let entry: ModelEntry
    let users: [String]
    let keyVariable: String?
    let keyPresent: Bool

    init(entry: ModelEntry, environment: [String: String], users: [String]) {
        self.entry = entry
        self.users = users
        keyVariable = entry.apiKeyEnvironmentVariable ?? HTTPSettings.defaultKeyVariable(for: entry.provider)
        keyPresent = keyVariable.flatMap { environment[$0] }.map { !$0.isEmpty } ?? false
    }

    var price: String {
        if let input = entry.priceInputPerMillionTokens ?? entry.priceOutputPerMillionTokens.map({ _ in 0 }) {
            return "\(input)/\(entry.priceOutputPerMillionTokens ?? 0) per Mtok"
        }
        if let perCall = entry.costPerCall { return "\(perCall) per call" }
        return "not set"
    }

    var json: JSONValue {
        var object = JSONObject()
        object["key"] = .string(entry.key)
        object["provider"] = .string(entry.provider)
        object["model"] = .string(entry.model)
        object["base_url"] = .optional(entry.baseURL)
        object["max_context_tokens"] = entry.maxContextTokens.map(JSONValue.int) ?? .null
        object["price_in_per_mtok"] = entry.priceInputPerMillionTokens.map(JSONValue.double) ?? .null
        object["price_out_per_mtok"] = entry.priceOutputPerMillionTokens.map(JSONValue.double) ?? .null
        object["cost_per_call"] = entry.costPerCall.map(JSONValue.double) ?? .null
        object["fallback"] = .strings(entry.fallback)
        object["api_key_env"] = .optional(keyVariable)
        object["api_key_present"] = .bool(keyPresent)
        object["used_by"] = .strings(users)
        return .object(object)
    }
}
