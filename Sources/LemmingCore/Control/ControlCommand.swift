import Foundation
import LemmingJSON
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A message a person sends into the org as `human`.
public struct HumanMessage: Sendable, Equatable {
    /// The agents it is addressed to (the entry's `recipients`).
    public var recipients: [String]
    /// The message (the payload's `text`).
    public var text: String
    /// The entry's kind (default `message`; `approval` for an answer to an approval request).
    public var kind: String
    /// The entry's priority (default `normal`).
    public var priority: Priority
    /// The id of the entry it answers, or `nil`.
    public var replyTo: String?
    /// Payload fields besides `text` (an approval's `decision` and `reason`).
    public var fields: JSONObject

    /// A message from the human to `recipients`.
    public init(
        to recipients: [String], text: String, kind: String = "message", priority: Priority = .normal,
        replyTo: String? = nil, fields: JSONObject = [:]
    ) {
        self.recipients = recipients
        self.text = text
        self.kind = kind
        self.priority = priority
        self.replyTo = replyTo
        self.fields = fields
    }

    /// The human's answer to an `approval_request` entry (DESIGN §7).
    public static func approval(
        of request: String, by agent: String, approve: Bool, reason: String? = nil
    ) -> HumanMessage {
        var fields: JSONObject = ["decision": .string(approve ? "approve" : "deny")]
        if let reason { fields["reason"] = .string(reason) }
        let verb = approve ? "Approved" : "Denied"
        return HumanMessage(
            to: [agent], text: "\(verb) request \(request)\(reason.map { ": \($0)" } ?? "").", kind: "approval",
            priority: .urgent, replyTo: request, fields: fields)
    }

    /// The entry's payload: `text` and the other fields.
    public var payload: JSONObject {
        var payload = JSONObject([("text", .string(text))])
        for (key, value) in fields where key != "text" { payload[key] = value }
        return payload
    }
}

/// A change to engine-owned state requested from outside the engine (DESIGN §3).
///
/// While an engine runs, commands are files in `state/commands/` that it applies at the next tick
/// boundary; with no engine running, the command is applied at once under the engine lock.
public enum ControlCommand: Sendable, Equatable {
    /// Adds `amount` credits to `agent`'s balance.
    case topUp(agent: String, amount: Double)
    /// Pauses one agent, or the whole engine when `agent` is `nil`.
    case pause(agent: String?)
    /// Resumes one agent, or the whole engine when `agent` is `nil`.
    case resume(agent: String?)
    /// Writes an entry into the `human` outbox.
    case send(HumanMessage)

    /// The command file's document: `{"command": "top_up" | "pause" | "resume" | "send", …}`.
    public var json: JSONValue {
        var object = JSONObject()
        switch self {
        case .topUp(let agent, let amount):
            object["command"] = "top_up"
            object["agent"] = .string(agent)
            object["amount"] = .double(amount)
        case .pause(let agent):
            object["command"] = "pause"
            object["agent"] = .optional(agent)
        case .resume(let agent):
            object["command"] = "resume"
            object["agent"] = .optional(agent)
        case .send(let message):
            object["command"] = "send"
            object["to"] = .strings(message.recipients)
            object["text"] = .string(message.text)
            object["kind"] = .string(message.kind)
            object["priority"] = .string(message.priority.rawValue)
            object["reply_to"] = .optional(message.replyTo)
            if !message.fields.isEmpty { object["payload"] = .object(message.fields) }
        }
        return .object(object)
    }

    /// Reads a command file.
    ///
    /// - Parameters:
    ///   - value: the file's JSON document.
    ///   - file: the path shown in errors.
    /// - Throws: ``LemmingError`` (`.invalidFile`) naming the field that is wrong, or the unknown command.
    public init(json value: JSONValue, file: String) throws {
        func invalid(_ field: String, _ message: String) -> LemmingError {
            LemmingError(.invalidFile, message, path: file, field: field)
        }
        guard let object = value.objectValue, let command = object["command"]?.stringValue else {
            throw invalid("command", "must be an object with a \"command\" string")
        }
        let agent = object["agent"]?.stringValue
        switch command {
        case "top_up":
            guard let agent else { throw invalid("agent", "is required") }
            guard let amount = object["amount"]?.doubleValue, amount > 0, amount.isFinite else {
                throw invalid("amount", "must be a positive number")
            }
            self = .topUp(agent: agent, amount: amount)
        case "pause":
            self = .pause(agent: agent)
        case "resume":
            self = .resume(agent: agent)
        case "send":
            guard let to = object["to"]?.arrayValue?.compactMap(\.stringValue), !to.isEmpty else {
                throw invalid("to", "must list at least one agent")
            }
            guard let text = object["text"]?.stringValue else { throw invalid("text", "must be a string") }
            let priority = object["priority"]?.stringValue.flatMap(Priority.init(rawValue:)) ?? .normal
            self = .send(
                HumanMessage(
                    to: to, text: text, kind: object["kind"]?.stringValue ?? "message", priority: priority,
                    replyTo: object["reply_to"]?.stringValue, fields: object["payload"]?.objectValue ?? [:]))
        default:
            throw invalid("command", "unknown command '\(command)'")
        }
    }

    private static let counter = Atomic<Int>(0)

    /// Leaves the command in `state/commands/` for the running engine.
    ///
    /// The file is written atomically and synced, with a name that sorts by submission time.
    ///
    /// - Returns: the file's path.
    /// - Throws: ``LemmingError`` (`.io`) when the file cannot be written.
    @discardableResult
    public func submit(to org: OrgPaths, clock: any WallClock) throws -> String {
        try FileSystem.makeDirectory(org.commands)
        let milliseconds = Int64(clock.now().timeIntervalSince1970 * 1000)
        let number = Self.counter.wrappingAdd(1, ordering: .relaxed).newValue
        var digits = String(milliseconds)
        digits = String(repeating: "0", count: max(0, 15 - digits.count)) + digits
        let path = "\(org.commands)/\(digits)-\(getpid())-\(number).json"
        try FileSystem.writeAtomically(JSONWriter(style: .pretty).bytes(json), to: path, sync: true)
        return path
    }
}
