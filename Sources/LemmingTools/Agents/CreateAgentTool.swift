import LemmingCore
import LemmingJSON

/// `create_agent`: a new agent from a template in `templates/` or a resume given in the call.
///
/// The tool only prepares the resume; the engine checks and applies it (DESIGN §7): the caller
/// needs `permissions.create_agents`, the name must be valid and free, the new permissions a
/// subset of the caller's, and the starting credits come out of the caller's balance.
struct CreateAgentTool: Tool {
    let name = "create_agent"
    /// It only reads, or changes engine state through its effects: running it again is harmless.
    let hasExternalEffects = false
    let summary =
        "Create an agent from a template (templates/<name>) or a resume, giving it some of your credits; "
        + "it starts at the next tick."
    let argumentSchema = Schema.object(
        [
            "name": Schema.string("the new agent's name: a-z, 0-9, _", minLength: 1, maxLength: 64),
            "template": Schema.string("a folder of templates/", maxLength: 64),
            "resume": ["type": "object", "description": "a resume.json document (instead of a template)"],
            "instructions": Schema.string("replaces the template's instructions", maxLength: 32_768),
            "credits": Schema.number("credits moved from your balance to the new agent (default 0)", minimum: 0),
        ],
        required: ["name"])

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        let agentName = arguments["name"]?.stringValue ?? ""
        guard context.resume.permissions.createAgents else {
            return ToolOutput(.failure(name, "\(context.agent) may not create agents (permissions.create_agents)"))
        }
        var document: JSONObject
        switch (arguments["template"]?.stringValue, arguments["resume"]?.objectValue) {
        case (let template?, nil):
            guard Names.isValidToolName(template) else {
                return ToolOutput(.failure(name, "'\(template)' is not a template name"))
            }
            do {
                guard let bytes = try FileSystem.readIfPresent(context.org.template(template)) else {
                    return ToolOutput(.failure(name, "no template '\(template)' (templates/\(template)/resume.json)"))
                }
                guard let object = try JSONValue.parse(bytes).objectValue else {
                    return ToolOutput(.failure(name, "templates/\(template)/resume.json is not a JSON object"))
                }
                document = object
            } catch {
                return ToolOutput(.failure(name, "templates/\(template)/resume.json: \(error)"))
            }
        case (nil, let resume?):
            document = resume
        case (nil, nil):
            return ToolOutput(.failure(name, "give a template or a resume"))
        case (.some, .some):
            return ToolOutput(.failure(name, "give a template or a resume, not both"))
        }
        if let instructions = arguments["instructions"]?.stringValue {
            document["instructions"] = .string(instructions)
        }
        let credits = arguments["credits"]?.doubleValue ?? 0
        return ToolOutput(
            .success(
                name, "created \(agentName) with \(CalculatorTool.format(credits)) credits; it runs from the next tick"),
            effects: [.createAgent(name: agentName, resume: document, credits: credits)])
    }
}
