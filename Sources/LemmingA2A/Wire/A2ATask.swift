import LemmingJSON

/// A unit of work an agent does for a client (`Task` of `a2a.proto`, A2A v1.0 §4.1.1).
///
/// Named `A2ATask` because `Task` is Swift's.
public struct A2ATask: Sendable, Equatable {
    public var id: String
    public var contextID: String
    public var status: TaskStatus
    public var artifacts: [Artifact]
    public var history: [A2AMessage]
    public var metadata: JSONObject?

    public init(
        id: String, contextID: String, status: TaskStatus, artifacts: [Artifact] = [], history: [A2AMessage] = [],
        metadata: JSONObject? = nil
    ) {
        self.id = id
        self.contextID = contextID
        self.status = status
        self.artifacts = artifacts
        self.history = history
        self.metadata = metadata
    }

    public var json: JSONValue {
        var object: JSONObject = ["id": .string(id), "contextId": .string(contextID), "status": status.json]
        if !artifacts.isEmpty { object["artifacts"] = .array(artifacts.map(\.json)) }
        if !history.isEmpty { object["history"] = .array(history.map(\.json)) }
        if let metadata { object["metadata"] = .object(metadata) }
        return .object(object)
    }

    /// Reads a task; `nil` when it has no id or no known state. Unreadable artifacts and history
    /// messages are left out.
    public init?(json value: JSONValue) {
        guard let object = value.objectValue, let id = object["id"]?.stringValue,
            let status = object["status"].flatMap(TaskStatus.init(json:))
        else { return nil }
        self.init(
            id: id, contextID: object["contextId"]?.stringValue ?? "", status: status,
            artifacts: object["artifacts"]?.arrayValue?.compactMap(Artifact.init(json:)) ?? [],
            history: object["history"]?.arrayValue?.compactMap { try? A2AMessage(json: $0) } ?? [],
            metadata: object["metadata"]?.objectValue)
    }

    /// The task with at most the `length` most recent history messages (`historyLength`; `nil`: all).
    public func limitingHistory(to length: Int?) -> A2ATask {
        guard let length else { return self }
        var task = self
        task.history = Array(history.suffix(max(0, length)))
        return task
    }
}

/// A task's state, with the message that explains it and when it was reached (`TaskStatus`).
public struct TaskStatus: Sendable, Equatable {
    public var state: TaskState
    public var message: A2AMessage?
    /// ISO 8601 (protobuf-JSON `Timestamp`).
    public var timestamp: String?

    public init(state: TaskState, message: A2AMessage? = nil, timestamp: String? = nil) {
        self.state = state
        self.message = message
        self.timestamp = timestamp
    }

    public var json: JSONValue {
        var object: JSONObject = ["state": .string(state.rawValue)]
        if let message { object["message"] = message.json }
        if let timestamp { object["timestamp"] = .string(timestamp) }
        return .object(object)
    }

    public init?(json value: JSONValue) {
        guard let state = value["state"]?.stringValue.flatMap(TaskState.init(rawValue:)) else { return nil }
        self.init(
            state: state, message: value["message"].flatMap { try? A2AMessage(json: $0) },
            timestamp: value["timestamp"]?.stringValue)
    }
}
