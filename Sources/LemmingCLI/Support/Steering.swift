import LemmingCore

/// Applies control commands whether or not an engine runs (DESIGN §3): directly under the lock
/// when the org is free, else as command files the running engine applies at its next tick.
enum Steering {
    enum Outcome {
        /// Applied now; the events say what happened.
        case applied([EngineEvent])
        /// Left for the running engine.
        case queued
    }

    static func submit(_ commands: [ControlCommand], root: String) async throws -> Outcome {
        let engine: Engine
        do {
            engine = try await EngineFactory.open(root: root)
        } catch let error as LemmingError where error.code == .locked {
            let clock = try EngineFactory.clock()
            for command in commands { try command.submit(to: OrgPaths(root: root), clock: clock) }
            return .queued
        }
        do {
            let events = try await engine.apply(commands)
            await engine.close()
            if let rejected = events.first(where: { $0.kind == .commandRejected }) {
                throw LemmingError(.invalidArgument, rejected.data["error"]?.stringValue ?? "the command was rejected")
            }
            return .applied(events)
        } catch {
            await engine.close()
            throw error
        }
    }
}
