import LemmingCore

/// Providers whose calls never answer until cancelled, and that say when a call is in flight:
/// for abandoning a tick at a known point.
public struct HangingProviders: ModelProviderFactory {
    /// Yields once per call, when the call starts.
    public let calls: AsyncStream<Void>
    private let called: AsyncStream<Void>.Continuation

    public init() {
        (calls, called) = AsyncStream<Void>.makeStream()
    }

    struct Hanging: ModelProvider {
        let called: AsyncStream<Void>.Continuation
        func complete(_ request: ChatRequest) async throws -> ChatResponse {
            called.yield()
            try await Task.sleep(for: .seconds(3_600))
            throw CancellationError()
        }
    }

    public func makeProvider(for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths) throws -> any ModelProvider
    {
        Hanging(called: called)
    }
}

extension TemporaryOrg {
    /// Opens an engine whose first model call hangs, cancels its first tick once that call is in
    /// flight (nothing of the tick commits), and closes the engine.
    public func abandonATick(sinks: [any EventSink] = []) async throws {
        let providers = HangingProviders()
        let engine = try await engine(sinks: sinks, providers: providers)
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = try await engine.runTick() }
            var iterator = providers.calls.makeAsyncIterator()
            _ = await iterator.next()
            group.cancelAll()
            while await group.nextResult() != nil {}
        }
        await engine.close()
    }
}
