import LemmingCore
import LemmingJSON

/// Applies control commands whether or not an engine runs (DESIGN §3): directly under the lock
/// when the org is free, else as command files the running engine applies at its next tick.
public struct OrgSteering: Sendable {
    public enum Outcome: Sendable {
        /// Applied now; the events say what happened.
        case applied([EngineEvent])
        /// Left for the running engine.
        case queued
    }

    /// Opens an engine on the org (the composition root's providers and tools).
    let open: @Sendable () async throws -> Engine
    let paths: OrgPaths
    let clock: any WallClock

    public init(paths: OrgPaths, clock: any WallClock, open: @escaping @Sendable () async throws -> Engine) {
        self.paths = paths
        self.clock = clock
        self.open = open
    }

    /// Applies `commands` now when the org is free, else queues them for the engine holding it.
    ///
    /// - Throws: ``LemmingError`` `.invalidArgument` when the engine rejected a command.
    public func submit(_ commands: [ControlCommand]) async throws -> Outcome {
        let events: [EngineEvent]
        do {
            events = try await Engine.withEngine(opening: open) { try await $0.apply(commands) }
        } catch let error as LemmingError where error.code == .locked {
            for command in commands { try command.submit(to: paths, clock: clock) }
            return .queued
        }
        if let rejected = events.first(where: { $0.kind == .commandRejected }) {
            throw LemmingError(.invalidArgument, rejected.data["error"]?.stringValue ?? "the command was rejected")
        }
        return .applied(events)
    }
}
