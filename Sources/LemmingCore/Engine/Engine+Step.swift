extension Engine {
    /// Runs exactly one tick on an engine opened for it, and closes the engine: `lemming step`
    /// and `POST /api/step`.
    ///
    /// - Parameter open: opens the engine (taking the org's lock).
    /// - Throws: ``LemmingError`` `.conflict` when the org reached `max_ticks`; what opening or
    ///   the tick throws.
    public static func step(_ open: () async throws -> Engine) async throws -> TickReport {
        let engine = try await open()
        do {
            if await engine.reachedMaxTicks {
                let limit = await engine.configuration.maxTicks ?? 0
                throw LemmingError(
                    .conflict, "the org reached max_ticks (\(limit)) in lemming.json", path: "lemming.json")
            }
            let report = try await engine.runTick()
            await engine.close()
            return report
        } catch {
            await engine.close()
            throw error
        }
    }
}
