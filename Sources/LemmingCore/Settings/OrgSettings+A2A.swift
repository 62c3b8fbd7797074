import Foundation
import LemmingJSON

/// The `a2a` section of `lemming.json` (issue 14 §3): agents exposed over Agent2Agent, and remote
/// A2A agents called as tools, each object of `a2a.agents` read by a table of its own.
extension OrgSettings {
    static let a2a: [Setting<OrgConfig>] = [
        .section("a2a", "Agent2Agent (A2A v1.0): agents offered to other systems, and remote agents called as tools."),
        .strings(
            "a2a.expose", \.a2a.expose, pattern: "^[a-z][a-z0-9_]{0,63}$",
            "Agents `lemming serve` offers as skills of its Agent Card (`/.well-known/agent-card.json`); "
                + "none by default."
        ) { name, field, _, issues in
            guard Names.isValidAgentName(name), name != Names.human else {
                issues.error(field, "agent", "must be an agent's name (got '\(name)')")
                return nil
            }
            return name
        },
        .number(
            "a2a.wait_seconds", \.a2a.waitSeconds, minimum: 0, maximum: 600,
            "Seconds a `SendMessage` that asks to wait (no `returnImmediately`) waits for the agent's answer "
                + "before returning the task as it stands."),
        publicURL,
        remoteAgents,
    ]

    /// `a2a.url`: any string is kept (it is only shown on the card); one that is no http(s) URL is
    /// warned about.
    static var publicURL: Setting<OrgConfig> {
        var setting = Setting<OrgConfig>.optionalString(
            "a2a.url", \.a2a.publicURL,
            "The JSON-RPC endpoint's URL as clients reach it, for the card (behind a proxy); null: "
                + "`http://<Host>/a2a`.")
        setting.read = { input, root, issues in
            guard let url = issues.optionalString(input.parent, input.key, prefix: input.prefix) else { return }
            if !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                issues.warning(input.field, "url", "A2A clients need an http:// or https:// URL (got '\(url)')")
            }
            root.a2a.publicURL = url
        }
        return setting
    }

    /// The `a2a.agents` row: an object of remote agents by name. An agent with any error is left out.
    static var remoteAgents: Setting<OrgConfig> {
        var setting = Setting<OrgConfig>(
            "a2a.agents", .object,
            "Remote A2A agents by name, each the tool `a2a.<name>` (README: Talk to agents of other systems).")
        setting.schemaExtras["propertyNames"] = ["pattern": "^[a-z][a-z0-9_-]{0,63}$"]
        setting.schemaExtras["additionalProperties"] = .object(
            remoteAgent.objectSchema(defaults: A2ASettings.RemoteAgent()))
        setting.value = { config in
            .object(JSONObject(config.a2a.agents.map { ($0.name, .object(remoteAgent.document(of: $0))) }))
        }
        setting.read = { input, root, issues in
            guard let value = input.value, !value.isNull else { return }
            guard let object = value.objectValue else {
                issues.error(
                    input.field, "type", "must be an object of remote agents by name (got \(value.typeDescription))")
                return
            }
            for (name, element) in object {
                let prefix = "\(input.field).\(name)"
                guard Names.isValidToolName(name) else {
                    issues.error(
                        prefix, "name", "must be lowercase letters, digits, '_' or '-', starting with a letter")
                    continue
                }
                guard let fields = element.objectValue else {
                    issues.error(prefix, "type", "must be an object (got \(element.typeDescription))")
                    continue
                }
                let errorsBefore = issues.issues.filter(\.isError).count
                var agent = A2ASettings.RemoteAgent(name: name)
                remoteAgent.read(fields, prefix: prefix, into: &agent, issues: &issues)
                if issues.issues.filter(\.isError).count == errorsBefore { root.a2a.agents.append(agent) }
            }
            root.a2a.agents.sort { $0.name < $1.name }
        }
        return setting
    }

    /// The fields of one remote agent; defaults are those of a default-made ``A2ASettings/RemoteAgent``.
    static let remoteAgent = SettingsTable<A2ASettings.RemoteAgent>([
        remoteAgentURL,
        headersFromEnvironment,
        .number(
            "timeout_seconds", \.timeoutSeconds, minimum: 0.001, maximum: 86_400,
            "Seconds a call may take until the remote task ends; then it is canceled and the call fails."),
        .integer(
            "max_output_bytes", \.maxOutputBytes, in: 1...67_108_864,
            "The most bytes of the remote answer shown to the agent."),
        .boolean("requires_approval", \.requiresApproval, "Whether its calls wait for the human's approval."),
    ])

    private static var remoteAgentURL: Setting<A2ASettings.RemoteAgent> {
        var setting = Setting<A2ASettings.RemoteAgent>.string(
            "url", \.url, pattern: "^https?://",
            "Its Agent Card's URL, or the base URL the card is under (`/.well-known/agent-card.json`).")
        setting.isNullable = false
        setting.isRequired = true
        setting.read = { input, root, issues in
            root.url = issues.optionalString(input.parent, input.key, prefix: input.prefix) ?? ""
            let components = URLComponents(string: root.url)
            guard let scheme = components?.scheme?.lowercased(), scheme == "http" || scheme == "https",
                components?.host?.isEmpty == false
            else {
                issues.error(input.field, "url", "must be an http:// or https:// URL (got '\(root.url)')")
                return
            }
            if components?.user != nil || components?.password != nil {
                issues.error(input.field, "url", "must not hold credentials: name them in headers_env")
            }
        }
        return setting
    }

    private static var headersFromEnvironment: Setting<A2ASettings.RemoteAgent> {
        var setting = Setting<A2ASettings.RemoteAgent>(
            "headers_env", .object,
            "HTTP headers sent to it: header name → the environment variable holding the value (never the value).")
        setting.schemaExtras["additionalProperties"] = ["type": "string", "pattern": "^[A-Za-z0-9_]+$"]
        setting.value = { agent in
            .object(
                JSONObject(agent.headersFromEnvironment.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        }
        setting.read = { input, root, issues in
            let object = issues.object(input.parent, input.key, prefix: input.prefix)
            for (header, value) in object {
                let field = input.field + "." + header
                guard !header.isEmpty, header.utf8.allSatisfy(Self.isTokenByte) else {
                    issues.error(field, "header", "must be an HTTP header name (got '\(header)')")
                    continue
                }
                guard let variable = value.stringValue, !variable.isEmpty,
                    variable.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
                else {
                    issues.error(
                        field, "variable", "must name an environment variable, not hold a value")
                    continue
                }
                root.headersFromEnvironment[header] = variable
            }
        }
        return setting
    }

    /// Whether `tool` is `a2a.<name>` of a remote agent the document declares (`a2a` is read after
    /// `tools`, whose `require_approval` may name it).
    static func declaresRemoteAgent(tool: String, in document: JSONObject) -> Bool {
        guard tool.hasPrefix(A2ASettings.toolPrefix) else { return false }
        return document["a2a"]?["agents"]?[String(tool.dropFirst(A2ASettings.toolPrefix.count))] != nil
    }

    /// A byte of an HTTP token (RFC 9110 §5.6.2): a header name is made of these.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
