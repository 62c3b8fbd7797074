import LemmingCore
import LemmingOrgView

/// The CLI's steering: ``OrgSteering`` with this build's engine.
enum Steering {
    static func submit(_ commands: [ControlCommand], root: String) async throws -> OrgSteering.Outcome {
        try await OrgSteering(paths: OrgPaths(root: root), clock: try EngineFactory.clock()) {
            try await EngineFactory.open(root: root)
        }.submit(commands)
    }
}
