import Foundation
import LemmingCore
import LemmingJSON
import Synchronization

/// The ends of A2A tasks that the org's files do not show by themselves: a client canceled the
/// task, or its agent could not answer (gone, disabled, out of credits, paused by the engine).
///
/// Kept in `state/a2a-tasks.json` = `{"tasks": {"<task id>": {"state": "TASK_STATE_CANCELED",
/// "reason": "…", "at": "<ISO 8601>"}}}` so that a task, once terminal, stays so: a reply written
/// after a cancel does not complete it. Written whole and atomically; one writer per process.
struct TaskVerdicts: Sendable {
    struct Verdict: Sendable, Equatable {
        var state: TaskState
        var reason: String
        var at: String
    }

    let path: String
    let directory: String
    private static let writing = Mutex<Void>(())

    init(paths: OrgPaths) {
        directory = paths.state
        path = paths.state + "/a2a-tasks.json"
    }

    /// The verdict on task `id`, if any.
    func verdict(_ id: String) -> Verdict? {
        read()[id]
    }

    /// Records a verdict unless the task already has one; returns the verdict in force.
    @discardableResult
    func record(_ id: String, state: TaskState, reason: String, at: String) throws -> Verdict {
        try Self.writing.withLock { _ in
            var verdicts = read()
            if let existing = verdicts[id] { return existing }
            let verdict = Verdict(state: state, reason: reason, at: at)
            verdicts[id] = verdict
            let tasks = JSONObject(
                verdicts.sorted { $0.key < $1.key }.map { id, verdict in
                    (
                        id,
                        [
                            "state": .string(verdict.state.rawValue), "reason": .string(verdict.reason),
                            "at": .string(verdict.at),
                        ]
                    )
                })
            try FileSystem.makeDirectory(directory)
            try FileSystem.writeAtomically(JSONWriter(style: .pretty).bytes(["tasks": .object(tasks)]), to: path)
            return verdict
        }
    }

    private func read() -> [String: Verdict] {
        guard let bytes = try? FileSystem.readIfPresent(path), let document = try? JSONValue.parse(bytes),
            let tasks = document["tasks"]?.objectValue
        else { return [:] }
        var verdicts: [String: Verdict] = [:]
        for (id, value) in tasks {
            guard let state = value["state"]?.stringValue.flatMap(TaskState.init(rawValue:)) else { continue }
            verdicts[id] = Verdict(
                state: state, reason: value["reason"]?.stringValue ?? "", at: value["at"]?.stringValue ?? "")
        }
        return verdicts
    }
}
