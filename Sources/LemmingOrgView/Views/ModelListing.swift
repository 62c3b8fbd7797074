import LemmingCore
import LemmingJSON

/// One model of the registry as `lemming models` and the API show it: never a key's value, only
/// the name of its variable and whether it is set.
public struct ModelListing: Sendable {
    public let entry: ModelEntry
    /// Agents using the model, directly or as a fallback.
    public let users: [String]
    public let keyVariable: String?
    public let keyPresent: Bool

    public init(entry: ModelEntry, environment: [String: String], users: [String]) {
        self.entry = entry
        self.users = users
        keyVariable = entry.keyVariable
        keyPresent = keyVariable.flatMap { environment[$0] }.map { !$0.isEmpty } ?? false
    }

    /// Every model of the registry (or only those agents use), sorted by key.
    public static func all(in view: OrgView, environment: [String: String], usedOnly: Bool = false) -> [ModelListing] {
        let users = self.users(view)
        var keys = view.registry.keys.sorted()
        if usedOnly { keys = keys.filter { users[$0] != nil } }
        return keys.compactMap { view.registry[$0] }.map {
            ModelListing(entry: $0, environment: environment, users: users[$0.key] ?? [])
        }
    }

    /// The agents using each model key, directly or as a fallback.
    public static func users(_ view: OrgView) -> [String: [String]] {
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

    public var price: String {
        if let input = entry.priceInputPerMillionTokens ?? entry.priceOutputPerMillionTokens.map({ _ in 0 }) {
            return "\(input)/\(entry.priceOutputPerMillionTokens ?? 0) per Mtok"
        }
        if let perCall = entry.costPerCall { return "\(perCall) per call" }
        return "not set"
    }

    public var json: JSONValue {
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
