import LemmingA2A
import LemmingCore
import LemmingJSON

/// `a2a.<name>`: asks a remote A2A agent declared in `lemming.json` (`a2a.agents`) and returns its
/// answer when its task ends, within `timeout_seconds` (issue 14 §3).
///
/// The result is JSON: `{"state", "task_id", "context_id", "answer"}`; passing `context_id` back
/// continues the conversation. Header values come from the environment (`headers_env`) when the
/// call runs, and never appear in a result or an error.
struct A2ATool: Tool {
    let agent: A2ASettings.RemoteAgent
    let environment: [String: String]
    let clock: any Clock<Duration>

    /// The tools of the org's remote agents.
    static func tools(
        _ settings: A2ASettings, environment: [String: String], clock: any Clock<Duration> = ContinuousClock()
    ) -> [any Tool] {
        settings.agents.map { A2ATool(agent: $0, environment: environment, clock: clock) }
    }

    var name: String { agent.toolName }
    var summary: String {
        "Ask the remote agent '\(agent.name)' (A2A, \(agent.url)) and get its answer; pass back context_id to "
            + "continue the conversation."
    }
    let argumentSchema = Schema.object(
        [
            "text": Schema.string("What to ask or tell the remote agent", minLength: 1, maxLength: 100_000),
            "context_id": Schema.string(
                "The context_id of an earlier answer, to continue that conversation", minLength: 1, maxLength: 256),
        ], required: ["text"])

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        let text = arguments["text"]?.stringValue ?? ""
        var headers: [String: String] = [:]
        for (header, variable) in agent.headersFromEnvironment {
            guard let value = environment[variable], !value.isEmpty else {
                return ToolOutput(
                    .failure(
                        name,
                        "the environment variable \(variable) (header \(header) of a2a.agents.\(agent.name)) is not set"
                    ))
            }
            headers[header] = value
        }
        let call = RemoteAgentCall(agent: agent, client: A2AClient(headers: headers), clock: clock)
        do {
            let outcome = try await call.ask(text, contextID: arguments["context_id"]?.stringValue)
            var output = JSONWriter(style: .compact).string(outcome.json)
            var truncated = false
            if output.utf8.count > agent.maxOutputBytes {
                var answer = outcome
                let room = max(0, agent.maxOutputBytes - (output.utf8.count - outcome.text.utf8.count))
                answer.text = String(decoding: outcome.text.utf8.prefix(room), as: UTF8.self)
                output = JSONWriter(style: .compact).string(answer.json)
                truncated = true
            }
            return ToolOutput(.success(name, output, truncated: truncated))
        } catch is CancellationError {
            return ToolOutput(.failure(name, "cancelled"))
        } catch {
            return ToolOutput(.failure(name, "\(error)"))
        }
    }
}
