import LemmingJSON

/// One event of a `SendStreamingMessage` stream, and the result of `SendMessage`
/// (`StreamResponse` and `SendMessageResponse` of `a2a.proto`: one member set of `task`, `message`,
/// `statusUpdate`, `artifactUpdate`).
public enum StreamResponse: Sendable, Equatable {
    case task(A2ATask)
    case message(A2AMessage)
    /// `TaskStatusUpdateEvent`: the task reached `status`.
    case statusUpdate(taskID: String, contextID: String, status: TaskStatus)
    /// `TaskArtifactUpdateEvent`: an artifact of the task, whole (`lastChunk`).
    case artifactUpdate(taskID: String, contextID: String, artifact: Artifact)

    public var json: JSONValue {
        switch self {
        case .task(let task): return ["task": task.json]
        case .message(let message): return ["message": message.json]
        case .statusUpdate(let taskID, let contextID, let status):
            return [
                "statusUpdate": [
                    "taskId": .string(taskID), "contextId": .string(contextID), "status": status.json,
                ]
            ]
        case .artifactUpdate(let taskID, let contextID, let artifact):
            return [
                "artifactUpdate": [
                    "taskId": .string(taskID), "contextId": .string(contextID), "artifact": artifact.json,
                    "lastChunk": true,
                ]
            ]
        }
    }

    /// Reads an event or a `SendMessage` result; `nil` when it holds none of the four.
    public init?(json value: JSONValue) {
        if let task = value["task"].flatMap(A2ATask.init(json:)) {
            self = .task(task)
        } else if let message = value["message"].flatMap({ try? A2AMessage(json: $0) }) {
            self = .message(message)
        } else if let update = value["statusUpdate"], let status = update["status"].flatMap(TaskStatus.init(json:)) {
            self = .statusUpdate(
                taskID: update["taskId"]?.stringValue ?? "", contextID: update["contextId"]?.stringValue ?? "",
                status: status)
        } else if let update = value["artifactUpdate"], let artifact = update["artifact"].flatMap(Artifact.init(json:))
        {
            self = .artifactUpdate(
                taskID: update["taskId"]?.stringValue ?? "", contextID: update["contextId"]?.stringValue ?? "",
                artifact: artifact)
        } else {
            return nil
        }
    }
}
