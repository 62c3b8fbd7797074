import HTTPTypes
import Hummingbird
import LemmingCore
import LemmingJSON
import LemmingOrgView

/// Agents: the list, one agent's detail, outbox, memory, turn records and events; creating an
/// agent and replacing a resume.
enum AgentRoutes {
    static let all: [APIRoute] = [
        APIRoute(
            method: .get, path: "/api/agents", operationID: "listAgents",
            summary: "Every agent (and the human): schedule, next fire tick, model, balance, state.", tag: "agents",
            access: .read
        ) { _, _, backend in
            let view = try backend.view()
            return .json(["agents": .array((view.agentNames + [Names.human]).map(view.agentSummary))])
        },
        APIRoute(
            method: .get, path: "/api/templates", operationID: "listTemplates",
            summary:
                "The org's agent templates (templates/<name>/resume.json): name, title, short_description, model, "
                + "and problem when one cannot be used; POST /api/agents {\"template\": name} creates an agent from one.",
            tag: "agents", access: .read
        ) { _, _, backend in
            .json(["templates": .array(try TemplateListing.all(in: backend.view()).map(\.json))])
        },
        APIRoute(
            method: .get, path: "/api/agents/{name}", operationID: "getAgent",
            summary: "One agent: resume, reads and readers, credits, runtime state, last turns.", tag: "agents",
            access: .read, errors: [404]
        ) { _, context, backend in
            let view = try backend.view()
            return .json(try detail(of: context.agentName(), view: view))
        },
        APIRoute(
            method: .get, path: "/api/agents/{name}/outbox", operationID: "getOutbox",
            summary: "An agent's entries, newest first.", tag: "agents", access: .read,
            query: [APIRoute.limit, .init(name: "before", type: "string", description: "An entry id: the next page.")],
            errors: [404]
        ) { request, context, backend in
            let name = try context.agentName()
            try requireParticipant(name, view: backend.view())
            let query = Query(request)
            let page = try backend.messages.page(
                MessageIndex.Filter(authors: [name]), before: try MessageRoutes.cursor(query), limit: query.limit())
            return .json(MessageRoutes.json(page))
        },
        APIRoute(
            method: .get, path: "/api/agents/{name}/memory", operationID: "getMemory",
            summary: "An agent's memory, most recently updated first.", tag: "agents", access: .read, errors: [404]
        ) { _, context, backend in
            let name = try context.agentName(allowHuman: false)
            let view = try backend.view()
            try requireParticipant(name, view: view)
            return .json(["memory": .array(try view.memory(of: name).mostRecentFirst.map(\.json))])
        },
        APIRoute(
            method: .get, path: "/api/agents/{name}/turns", operationID: "getTurns",
            summary: "An agent's turn records (prompt, reply, parsed actions, usage, cost), newest first.",
            tag: "agents", access: .read,
            query: [
                APIRoute.limit,
                .init(
                    name: "before_tick", type: "integer", description: "Only turns before this tick (the next page)."),
                .init(name: "summary", type: "boolean", description: "Short records without prompt and reply."),
            ],
            errors: [404]
        ) { request, context, backend in
            let name = try context.agentName(allowHuman: false)
            let view = try backend.view()
            try requireParticipant(name, view: view)
            let query = Query(request)
            let limit = try query.limit(default: 20, max: 200)
            let before = try query.int("before_tick", in: 0...Int.max)
            let records = try turns(of: name, view: view, before: before, limit: limit)
            let summary = try query.bool("summary")
            let next: JSONValue = records.count == limit ? records.last?["tick"] ?? nil : nil
            return .json([
                "turns": .array(summary ? records.map(OrgView.turnSummary) : records), "next_before_tick": next,
            ])
        },
        APIRoute(
            method: .get, path: "/api/agents/{name}/logs", operationID: "getAgentLogs",
            summary: "Recent engine events about an agent, newest first.", tag: "agents", access: .read,
            query: [
                APIRoute.limit,
                .init(name: "before", type: "integer", description: "Only events before this sequence."),
            ],
            errors: [404]
        ) { request, context, backend in
            let name = try context.agentName()
            try requireParticipant(name, view: backend.view())
            let query = Query(request)
            let limit = try query.limit()
            let events = backend.hub.recent(
                EventHub.Filter(agents: [name]), before: try query.int("before", in: 0...Int.max), limit: limit)
            let next: JSONValue = events.count == limit ? events.last.map { .int($0.sequence) } ?? nil : nil
            return .json(["events": .array(events.map(\.json)), "next_before": next])
        },
        APIRoute(
            method: .post, path: "/api/agents", operationID: "createAgent",
            summary: "Create an agent from a template or a full resume; it joins at the next tick.", tag: "agents",
            access: .write,
            body: [
                "type": "object", "required": ["name"],
                "properties": [
                    "name": ["type": "string"], "template": ["type": "string"], "title": ["type": "string"],
                    "model": ["type": "string"], "reads": ["type": "array", "items": ["type": "string"]],
                    "resume": ["type": "object", "description": "A whole resume instead of a template."],
                ],
            ],
            success: 201, errors: [404, 409, 413, 422]
        ) { request, _, backend in
            let body = try await request.jsonObject(limit: backend.settings.maxBodyBytes)
            guard let name = body["name"]?.stringValue else { throw APIError.badRequest("is required", field: "name") }
            let view = try backend.view()
            let resume: JSONObject
            if let given = body["resume"] {
                guard var object = given.objectValue else {
                    throw APIError.badRequest("must be a JSON object", field: "resume")
                }
                if object["name"] == nil { object["name"] = .string(name) }
                resume = object
            } else {
                resume = try AgentDraft.resume(
                    name: name, template: try string(body, "template"), title: try string(body, "title"),
                    model: try string(body, "model"), reads: try strings(body, "reads"), view: view
                ).0
            }
            let warnings = try AgentDraft.create(name: name, resume: resume, view: view)
            return .json(
                ["status": "created", "name": .string(name), "warnings": .array(warnings.map(\.json))], status: .created
            )
        },
        APIRoute(
            method: .put, path: "/api/agents/{name}/resume", operationID: "replaceResume",
            summary: "Replace an agent's resume (checked by the resume validator); the engine uses it next tick.",
            tag: "agents", access: .write, body: ["type": "object", "description": "A resume (DESIGN §4.1)."],
            errors: [404, 413, 422]
        ) { request, context, backend in
            let name = try context.agentName(allowHuman: false)
            let body = try await request.jsonObject(limit: backend.settings.maxBodyBytes)
            let warnings = try AgentDraft.replace(name: name, resume: body, view: try backend.view())
            return .json(["status": "replaced", "name": .string(name), "warnings": .array(warnings.map(\.json))])
        },
    ]

    static func requireParticipant(_ name: String, view: OrgView) throws {
        guard view.isParticipant(name) else { throw APIError.notFound("no agent named '\(name)'") }
    }

    static func string(_ body: JSONObject, _ field: String) throws -> String? {
        guard let value = body[field], value != .null else { return nil }
        guard let text = value.stringValue else { throw APIError.badRequest("must be a string", field: field) }
        return text
    }

    static func strings(_ body: JSONObject, _ field: String) throws -> [String] {
        guard let value = body[field], value != .null else { return [] }
        guard let list = value.arrayValue?.compactMap(\.stringValue), list.count == value.arrayValue?.count else {
            throw APIError.badRequest("must be a list of strings", field: field)
        }
        return list
    }

    private static func detail(of name: String, view: OrgView) throws -> JSONValue {
        try requireParticipant(name, view: view)
        var object = view.agentSummary(name).objectValue ?? [:]
        let everyone = Set(view.agentNames)
        object["reads"] = .strings(name == Names.human ? view.agentNames : view.graph.readable(by: name) { everyone })
        object["read_by"] = .strings(view.graph.readers(of: name))
        guard name != Names.human else { return .object(object) }
        let record = view.agents[name]
        // An invalid resume is shown as it is on disk (when it is a JSON object), so it can be fixed.
        object["resume"] = record?.resume.map { .object($0.document) } ?? rawResume(of: name, view: view) ?? .null
        object["errors"] = .array((record?.errors ?? []).map(\.json))
        object["credits"] = view.ledger[name]?.json ?? ["balance": view.balance(of: name).map(JSONValue.double) ?? nil]
        object["runtime"] = view.runtimes[name].json
        object["turns"] = .array(try view.turnRecords(of: name, last: 5).reversed().map(OrgView.turnSummary))
        return .object(object)
    }

    /// The agent's `resume.json` as a JSON object, whatever the validator thinks of it; `nil` when
    /// it is missing, too large or not a JSON object.
    private static func rawResume(of name: String, view: OrgView) -> JSONValue? {
        guard let info = FileSystem.info(view.paths.resume(name)), info.size <= 1 << 20,
            let bytes = try? FileSystem.read(view.paths.resume(name)),
            let value = try? JSONValue.parse(bytes), value.objectValue != nil
        else { return nil }
        return value
    }

    /// Turn records before `before` (all when `nil`), newest first, reading the log from its end.
    private static func turns(of name: String, view: OrgView, before: Int?, limit: Int) throws -> [JSONValue] {
        var window = limit
        while true {
            let records = try view.turnRecords(of: name, last: window)
            let matching = records.reversed().filter { record in
                guard let before else { return true }
                return (record["tick"]?.intValue ?? 0) < before
            }
            if matching.count >= limit || records.count < window { return Array(matching.prefix(limit)) }
            window *= 4
        }
    }
}
