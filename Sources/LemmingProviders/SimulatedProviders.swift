import LemmingCore
import LemmingJSON

/// The providers of a dry run (`lemming run --dry-run`, issue 15): every model answers from a
/// cassette (lenient: by agent and tick) when one is given, else from the offline simulation (an
/// entry's own scripted replies stay), never the network; each entry keeps its prices, so the
/// engine charges what the run would cost.
public struct SimulatedProviders: ModelProviderFactory {
    /// The cassette's path (absolute, or relative to the org).
    let cassette: String?

    public init(cassette: String? = nil) {
        self.cassette = cassette
    }

    public func makeProvider(
        for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths
    ) throws
        -> any ModelProvider
    {
        var simulated = entry
        if let cassette {
            simulated.provider = "cassette"
            simulated.document = ["provider": "cassette", "cassette": .string(cassette), "mode": "lenient"]
            return try CassetteProvider(entry: simulated, org: org)
        }
        if entry.provider == "scripted" { return try ScriptedProvider(entry: entry, org: org) }
        simulated.provider = "scripted"
        simulated.document = ["provider": "scripted"]
        return try ScriptedProvider(entry: simulated, org: org)
    }
}
