import LemmingCore
import LemmingJSON

/// The providers of a dry run (`lemming run --dry-run`, issue 15): every model answers from the
/// offline simulation (or its own scripted replies), never the network; each entry keeps its
/// prices, so the engine charges what the run would cost with the real models' token counts
/// estimated.
public struct SimulatedProviders: ModelProviderFactory {
    let base: ProviderFactory

    public init(environment: [String: String]) {
        base = ProviderFactory(environment: environment)
    }

    public func makeProvider(
        for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths
    ) throws
        -> any ModelProvider
    {
        if entry.provider == "scripted" { return try ScriptedProvider(entry: entry, org: org) }
        var simulated = entry
        simulated.provider = "scripted"
        simulated.document = ["provider": "scripted"]
        return try ScriptedProvider(entry: simulated, org: org)
    }
}
