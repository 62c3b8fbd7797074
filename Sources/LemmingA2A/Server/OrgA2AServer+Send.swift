import Foundation
import LemmingCore
import LemmingJSON
import LemmingOrgView

/// `SendMessage`: a message from a client becomes an entry from `human` to an exposed agent.
extension OrgA2AServer {
    /// Sends the message of `params` (a `SendMessageRequest`) and returns its task, submitted.
    ///
    /// - Returns: the task and the request's `configuration` (empty when absent).
    /// - Throws: ``JSONRPCError``: invalid params (no message, no text, an agent that is not
    ///   exposed or does not read `human`, an unknown context, a task id), content type not
    ///   supported (file parts), unsupported operation (no agent exposed).
    func send(_ params: JSONObject) async throws(JSONRPCError) -> (task: A2ATask, configuration: JSONObject) {
        guard let messageValue = params["message"] else { throw .invalidParams("message is required") }
        let message = try A2AMessage(json: messageValue)
        let configuration = params["configuration"]?.objectValue ?? [:]
        _ = try Self.historyLength(configuration)
        guard !message.parts.contains(where: \.isFile) else {
            throw JSONRPCError(.contentTypeNotSupported, "only text and data parts are accepted, not files")
        }
        let text = message.parts.text
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .invalidParams("the message has no text")
        }
        if let taskID = message.taskID {
            throw .invalidParams(
                "task \(taskID) cannot take more messages: a task ends with the agent's answer; send a new message "
                    + "with its contextId to go on with the conversation")
        }
        let view = try view()
        let agent = try chooseAgent(message: message, params: params, view: view)
        if let context = message.contextID {
            guard let id = EntryID(context), view.hasEntry(id) else {
                throw .invalidParams("no context '\(context)': a contextId is one a task of this server gave")
            }
        }
        do {
            try view.checkHumanCanAddress(agent, force: false)
        } catch {
            throw .invalidParams("\(error)")
        }
        let request = UUID().uuidString
        let marker: JSONObject = ["message_id": .string(message.messageID), "request": .string(request)]
        let entry = HumanMessage(
            to: [agent], text: text, replyTo: message.contextID, fields: [OrgTaskBook.marker: .object(marker)])
        let start = view.tick.nextTick
        let outcome: OrgSteering.Outcome
        do {
            outcome = try await steer([.send(entry)])
        } catch {
            throw JSONRPCError(.internalError, "the message could not be sent: \(error)")
        }
        let id: String?
        switch outcome {
        case .applied(let events):
            id = events.first { $0.kind == .entryWritten }?.data["id"]?.stringValue
        case .queued:
            id = try await queuedEntry(request: request, from: start)
        }
        guard let id, let task = book.task(id, in: try self.view()) else {
            throw JSONRPCError(.internalError, "the message was sent but its entry cannot be found")
        }
        return (task, configuration)
    }

    /// The exposed agent the message is for.
    func chooseAgent(message: A2AMessage, params: JSONObject, view: OrgView) throws(JSONRPCError) -> String {
        let exposed = view.config.a2a.expose.filter(view.isAgent)
        guard !exposed.isEmpty else {
            throw JSONRPCError(
                .unsupportedOperation, "this org exposes no agents over A2A (a2a.expose in lemming.json is empty)")
        }
        let named = message.metadata?["skill"] ?? params["metadata"]?["skill"]
        if let named {
            guard let name = named.stringValue, exposed.contains(name) else {
                throw .invalidParams(
                    "metadata.skill must be a skill id of the card: \(exposed.joined(separator: ", "))")
            }
            return name
        }
        if exposed.count == 1 { return exposed[0] }
        if let context = message.contextID, let (_, agent) = book.entry(context, in: view), exposed.contains(agent) {
            return agent
        }
        throw .invalidParams(
            "name the agent with metadata {\"skill\": \"<id>\"}, one of: \(exposed.joined(separator: ", "))")
    }

    /// The id of the entry a running engine wrote for a queued message (found by its `request`
    /// nonce in the human's outbox), waiting up to `a2a.wait_seconds` plus a tick period for it.
    func queuedEntry(request: String, from tick: Int) async throws(JSONRPCError) -> String {
        let config = try view().config
        let limit = Duration.milliseconds(Int((config.a2a.waitSeconds + config.tickPeriodSeconds) * 1_000))
        var waited = Duration.zero
        while true {
            let ids = (try? OrgView.entryIDs(of: Names.human, paths: paths)) ?? []
            for id in ids.reversed() where id.tick >= tick {
                if let entry = try? FileOrgStore(paths: paths).readEntry(id).get(),
                    entry.payload[OrgTaskBook.marker]?["request"]?.stringValue == request
                {
                    return id.text
                }
            }
            guard waited < limit else {
                throw JSONRPCError(
                    .internalError,
                    "the running engine has not taken the message yet (it stays queued in state/commands); "
                        + "its task id is not known")
            }
            do {
                try await clock.sleep(for: pollInterval)
            } catch {
                throw JSONRPCError(.internalError, "cancelled while the message was queued")
            }
            waited += pollInterval
        }
    }
}
