import LemmingJSON

/// Makes each firing agent's ``TurnPlan``: the provider of its model (made once per model key and
/// reused) and the fixed frame of its prompt (rendered once per change of resumes, graph or
/// config), with the inbox and memory of the tick's state.
///
/// Owned by ``Engine``; ``Engine/refresh()`` invalidates what an edit made stale.
struct TurnPlanner {
    /// The provider side of a plan.
    struct ProviderChoice {
        var model: ModelEntry?
        var provider: (any ModelProvider)?
        /// Why there is no provider (a bad `models.json` entry), when there is none.
        var problem: String?
    }

    /// The parts of an agent's prompt that change only with resumes, the graph and the config.
    struct PromptFrame: Sendable {
        var canRead: [String]
        var readers: [String]
        var systemMessage: String
        /// The system message as an escaped JSON string, for turn records.
        var systemMessageJSON: [UInt8]
    }

    let factory: any ModelProviderFactory
    let paths: OrgPaths
    private var providers: [String: any ModelProvider] = [:]
    private var frames: [String: PromptFrame] = [:]

    init(factory: any ModelProviderFactory, paths: OrgPaths) {
        self.factory = factory
        self.paths = paths
    }

    /// Forgets rendered frames (resumes, the graph or the config changed).
    mutating func invalidateFrames() {
        frames = [:]
    }

    /// Forgets providers and frames (`models.json` changed).
    mutating func invalidateProviders() {
        providers = [:]
        frames = [:]
    }

    /// The plan of `resume`'s turn; records `turn_started` in the transaction.
    mutating func plan(_ resume: Resume, in transaction: inout TickTransaction) -> TurnPlan {
        let choice = providerChoice(for: resume.model.key, registry: transaction.context.models)
        let frame = self.frame(for: resume, context: transaction.context)
        return transaction.plan(agent: resume.name, resume: resume, choice: choice, frame: frame, org: paths)
    }

    /// The model entry and provider of a model key.
    private mutating func providerChoice(for key: String, registry: ModelRegistry) -> ProviderChoice {
        guard let entry = registry[key] else {
            return .init(model: nil, provider: nil, problem: "model '\(key)' is not in the model registry")
        }
        if let cached = providers[key] { return .init(model: entry, provider: cached, problem: nil) }
        do {
            let provider = try factory.makeProvider(for: entry, registry: registry, org: paths)
            providers[key] = provider
            return .init(model: entry, provider: provider, problem: nil)
        } catch {
            return .init(model: entry, provider: nil, problem: "models.json: \(key): \(error)")
        }
    }

    private mutating func frame(for resume: Resume, context: TickTransaction.Context) -> PromptFrame {
        if let frame = frames[resume.name] { return frame }
        let agent = resume.name
        let agents = context.agents
        let canRead = context.graph.readable(by: agent) { Set(agents.keys) }
        let readers = context.graph.readers(of: agent)
        var input = PromptBuilder.Input(
            orgName: context.config.name, resume: resume, tick: 0, canRead: canRead, readers: readers, memory: [],
            memoryCharacters: 0, toolResults: [], tools: [], inbox: Inbox.empty)
        input.systemMessage = nil
        let message = PromptBuilder().systemMessage(input)
        var escaped: [UInt8] = []
        JSONWriter.writeString(message, into: &escaped)
        let frame = PromptFrame(canRead: canRead, readers: readers, systemMessage: message, systemMessageJSON: escaped)
        frames[agent] = frame
        return frame
    }
}
