import LemmingCore
import LemmingJSON
import MCP

/// The org's MCP resources (issue 14 §2): each agent's `resume.json`
/// (`lemming://agents/<name>/resume.json`) and any outbox entry, archived ones too
/// (`lemming://entries/<id>`, a resource template).
enum OrgResources {
    static let scheme = "lemming://"
    static let entryTemplate = "lemming://entries/{id}"

    static func resumeURI(_ agent: String) -> String { "\(scheme)agents/\(agent)/resume.json" }

    /// What a `lemming://` URI names.
    enum Target: Equatable {
        case resume(String)
        case entry(String)
    }

    static func target(of uri: String) -> Target? {
        guard uri.hasPrefix(scheme) else { return nil }
        let parts = uri.dropFirst(scheme.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch (parts.first, parts.count) {
        case ("agents", 3) where parts[2] == "resume.json" && !parts[1].isEmpty: return .resume(parts[1])
        case ("entries", 2) where !parts[1].isEmpty: return .entry(parts[1])
        default: return nil
        }
    }

    static func register(on server: Server, operations: any OrgOperations) async {
        await server.withMethodHandler(ListResources.self) { _ in
            ListResources.Result(
                resources: try await operations.agentNames().map { agent in
                    Resource(
                        name: "\(agent)/resume.json", uri: resumeURI(agent), title: "\(agent)'s resume",
                        description:
                            "The agent's whole contract: role, instructions, model, permissions, schedule, credits.",
                        mimeType: "application/json")
                })
        }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in
            ListResourceTemplates.Result(templates: [
                Resource.Template(
                    uriTemplate: entryTemplate, name: "entry", title: "An outbox entry",
                    description: "An entry by id (00000003-manager-01), archived ones too.",
                    mimeType: "application/json")
            ])
        }
        await server.withMethodHandler(ReadResource.self) { parameters in
            let uri = parameters.uri
            switch target(of: uri) {
            case .resume(let agent):
                guard let text = try await operations.resume(of: agent) else { throw notFound(uri) }
                return ReadResource.Result(contents: [.text(text, uri: uri, mimeType: "application/json")])
            case .entry(let id):
                guard let entry = try await operations.entry(id) else { throw notFound(uri) }
                return ReadResource.Result(contents: [.text(entry.compactText, uri: uri, mimeType: "application/json")])
            case nil:
                throw notFound(uri)
            }
        }
    }

    /// MCP's "resource not found" (-32002, the specification's resources section).
    static func notFound(_ uri: String) -> MCPError {
        .serverError(code: -32002, message: "Resource not found: \(uri)")
    }
}
