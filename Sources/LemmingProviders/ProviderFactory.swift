import LemmingCore

/// Makes the providers this build knows for the entries of the model registry.
public struct ProviderFactory: ModelProviderFactory {
    /// The process environment, for the `cli` provider's `PATH` and `HOME`.
    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public func makeProvider(for entry: ModelEntry, org: OrgPaths) throws -> any ModelProvider {
        switch entry.provider {
        case "scripted":
            return try ScriptedProvider(entry: entry, org: org)
        case "cli":
            return try CommandProvider(entry: entry, org: org, environment: environment)
        default:
            throw LemmingError(
                .provider, "provider '\(entry.provider)' is not available in this build (available: cli, scripted)",
                path: "models.json", field: "\(entry.key).provider")
        }
    }
}
