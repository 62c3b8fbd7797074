extension Engine {
    /// Opens an engine, runs `body` with it, and closes it on every path: its files flushed,
    /// `engine_stopped` committed, the org's lock released.
    ///
    /// - Parameters:
    ///   - configuration: what to open (see ``open(_:)``).
    ///   - body: the work to do with the engine.
    /// - Returns: what `body` returned.
    /// - Throws: what ``open(_:)`` or `body` threw.
    public static func withEngine<T>(
        _ configuration: Configuration, _ body: (Engine) async throws -> T
    ) async throws -> T {
        try await withEngine(opening: { try await open(configuration) }, body)
    }

    /// Opens an engine with `open` (a composition root's way of building one), runs `body` with it,
    /// and closes it on every path.
    ///
    /// - Throws: what `open` or `body` threw.
    public static func withEngine<T>(
        opening open: () async throws -> Engine, _ body: (Engine) async throws -> T
    ) async throws -> T {
        let engine = try await open()
        do {
            let result = try await body(engine)
            await engine.close()
            return result
        } catch {
            await engine.close()
            throw error
        }
    }

    /// Runs exactly one tick on an engine opened for it, and closes the engine: `lemming step`
    /// and `POST /api/step`.
    ///
    /// - Parameter open: opens the engine (taking the org's lock).
    /// - Throws: ``LemmingError`` `.conflict` when the org reached `max_ticks`; what opening or
    ///   the tick throws.
    public static func step(_ open: () async throws -> Engine) async throws -> TickReport {
        try await withEngine(opening: open) { engine in
            if await engine.reachedMaxTicks {
                let limit = await engine.configuration.maxTicks ?? 0
                throw LemmingError(
                    .conflict, "the org reached max_ticks (\(limit)) in lemming.json", path: "lemming.json")
            }
            return try await engine.runTick()
        }
    }
}
