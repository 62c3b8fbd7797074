import LemmingJSON

/// What an A2A agent says about itself at `/.well-known/agent-card.json` (`AgentCard` of
/// `a2a.proto`, A2A v1.0 §4.4.1), with the members this engine writes and reads.
public struct AgentCard: Sendable, Equatable {
    /// A capability the agent offers (`AgentSkill`).
    public struct Skill: Sendable, Equatable {
        public var id: String
        public var name: String
        public var description: String
        public var tags: [String]

        public init(id: String, name: String, description: String, tags: [String] = []) {
            self.id = id
            self.name = name
            self.description = description
            self.tags = tags
        }

        public var json: JSONValue {
            ["id": .string(id), "name": .string(name), "description": .string(description), "tags": .strings(tags)]
        }
    }

    /// Where and how the agent is reached (`AgentInterface`).
    public struct Interface: Sendable, Equatable {
        public var url: String
        /// `JSONRPC`, `GRPC` or `HTTP+JSON`.
        public var protocolBinding: String
        public var protocolVersion: String

        public init(url: String, protocolBinding: String = "JSONRPC", protocolVersion: String = "1.0") {
            self.url = url
            self.protocolBinding = protocolBinding
            self.protocolVersion = protocolVersion
        }

        public var json: JSONValue {
            [
                "url": .string(url), "protocolBinding": .string(protocolBinding),
                "protocolVersion": .string(protocolVersion),
            ]
        }
    }

    public var name: String
    public var description: String
    public var version: String
    public var supportedInterfaces: [Interface]
    public var streaming: Bool
    public var skills: [Skill]
    /// `securitySchemes` as JSON (`{"bearer": {"httpAuthSecurityScheme": {"scheme": "bearer"}}}`).
    public var securitySchemes: JSONObject
    /// `securityRequirements`: each one a set of scheme names, any one of which suffices.
    public var securityRequirements: [[String]]

    public init(
        name: String, description: String, version: String, supportedInterfaces: [Interface], streaming: Bool,
        skills: [Skill], securitySchemes: JSONObject = [:], securityRequirements: [[String]] = []
    ) {
        self.name = name
        self.description = description
        self.version = version
        self.supportedInterfaces = supportedInterfaces
        self.streaming = streaming
        self.skills = skills
        self.securitySchemes = securitySchemes
        self.securityRequirements = securityRequirements
    }

    /// The first interface with the JSON-RPC binding: the one this engine speaks.
    public var jsonRPCInterface: Interface? {
        supportedInterfaces.first { $0.protocolBinding.uppercased() == "JSONRPC" }
    }

    public var json: JSONValue {
        var object: JSONObject = [
            "name": .string(name), "description": .string(description), "version": .string(version),
            "supportedInterfaces": .array(supportedInterfaces.map(\.json)),
            "capabilities": ["streaming": .bool(streaming), "pushNotifications": false],
            "defaultInputModes": ["text/plain", "application/json"], "defaultOutputModes": ["text/plain"],
            "skills": .array(skills.map(\.json)),
        ]
        if !securitySchemes.isEmpty {
            object["securitySchemes"] = .object(securitySchemes)
            object["securityRequirements"] = .array(
                securityRequirements.map { names in
                    ["schemes": .object(JSONObject(names.map { ($0, ["list": []]) }))]
                })
        }
        return .object(object)
    }

    /// Reads a card, as far as calling its agent needs: a name and interfaces.
    ///
    /// - Throws: ``A2AClientError`` `.invalidCard` naming the member that is missing.
    public init(json value: JSONValue) throws(A2AClientError) {
        guard let object = value.objectValue else {
            throw A2AClientError(.invalidCard, "the Agent Card is not a JSON object")
        }
        let interfaces =
            object["supportedInterfaces"]?.arrayValue?.compactMap { element -> Interface? in
                guard let url = element["url"]?.stringValue else { return nil }
                return Interface(
                    url: url, protocolBinding: element["protocolBinding"]?.stringValue ?? "JSONRPC",
                    protocolVersion: element["protocolVersion"]?.stringValue ?? "1.0")
            } ?? []
        guard !interfaces.isEmpty else {
            throw A2AClientError(.invalidCard, "the Agent Card has no supportedInterfaces with a url")
        }
        let skills =
            object["skills"]?.arrayValue?.compactMap { element -> Skill? in
                guard let id = element["id"]?.stringValue else { return nil }
                return Skill(
                    id: id, name: element["name"]?.stringValue ?? id,
                    description: element["description"]?.stringValue ?? "",
                    tags: element["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            } ?? []
        self.init(
            name: object["name"]?.stringValue ?? "", description: object["description"]?.stringValue ?? "",
            version: object["version"]?.stringValue ?? "", supportedInterfaces: interfaces,
            streaming: object["capabilities"]?["streaming"]?.boolValue ?? false, skills: skills,
            securitySchemes: object["securitySchemes"]?.objectValue ?? [:])
    }
}
