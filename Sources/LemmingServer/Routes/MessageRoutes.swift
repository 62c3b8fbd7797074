import HTTPTypes
import Hummingbird
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingSearch

/// Messages across the org: browsing with filters and cursor pagination, and sending as `human`.
enum MessageRoutes {
    static let all: [APIRoute] = [
        APIRoute(
            method: .get, path: "/api/messages", operationID: "listMessages",
            summary: "Entries across the org, newest first, filtered; follow next_cursor for the next page.",
            tag: "messages", access: .read,
            query: [
                APIRoute.limit,
                .init(name: "before", type: "string", description: "An entry id (a page's next_cursor)."),
                .init(name: "agent", type: "string", description: "Authors, comma-separated."),
                .init(name: "kind", type: "string", description: "Kinds, comma-separated."),
                .init(name: "recipient", type: "string", description: "Entries whose recipients name this agent."),
                .init(name: "thread", type: "string", description: "Entries of this thread (its first entry's id)."),
                .init(
                    name: "priority", type: "string", description: "Priorities (urgent, normal, low), comma-separated."),
                .init(name: "from_tick", type: "integer", description: "Written at this tick or later."),
                .init(name: "to_tick", type: "integer", description: "Written at this tick or earlier."),
            ]
        ) { request, _, backend in
            let query = Query(request)
            var filter = MessageIndex.Filter()
            filter.authors = query.list("agent").map(Set.init)
            filter.kinds = query.list("kind").map(Set.init)
            filter.recipient = query.string("recipient")
            filter.thread = query.string("thread")
            filter.priorities = try priorities(query)
            filter.fromTick = try query.int("from_tick", in: 0...Int.max)
            filter.toTick = try query.int("to_tick", in: 0...Int.max)
            let before = try cursor(query)
            let limit = try query.limit()
            // Filters on content are answered by the search index (the archive included, no scan
            // limit); listings by author and tick by the outbox folders, which are current at once.
            if filter.needsContent, let index = try? backend.searchIndex(),
                let page = try indexedPage(filter, before: before, limit: limit, index: index)
            {
                return .json(json(page))
            }
            return .json(json(try backend.messages.page(filter, before: before, limit: limit)))
        },
        APIRoute(
            method: .get, path: "/api/messages/{id}", operationID: "getMessage",
            summary: "One entry by id, from its author's outbox or the archive (archived says which).",
            tag: "messages", access: .read, errors: [404]
        ) { _, context, backend in
            let text = context.parameters.get("id") ?? ""
            guard let id = EntryID(text) else {
                throw APIError.badRequest("must be an entry id such as 00000003-manager-01", field: "id")
            }
            guard let (entry, archived) = SearchIndex.entry(id, paths: backend.paths) else {
                throw APIError.notFound("no entry '\(text)'")
            }
            guard var object = entry.json.objectValue else { throw APIError.notFound("no entry '\(text)'") }
            object["archived"] = .bool(archived)
            return .json(.object(object))
        },
        APIRoute(
            method: .post, path: "/api/messages", operationID: "sendMessage",
            summary:
                "Send a message as human (201 with its id when written now, 202 when queued for a running engine).",
            tag: "messages", access: .write,
            body: [
                "type": "object", "required": ["to", "text"],
                "properties": [
                    "to": [
                        "description": "An agent's name, or a list of names (one entry for all of them).",
                        "oneOf": [
                            ["type": "string"], ["type": "array", "items": ["type": "string"], "minItems": 1],
                        ],
                    ],
                    "text": ["type": "string"], "kind": ["type": "string"],
                    "priority": ["type": "string", "enum": ["urgent", "normal", "low"]],
                    "reply_to": ["type": "string"], "force": ["type": "boolean"],
                ],
            ],
            success: 201, errors: [404, 413, 422]
        ) { request, _, backend in
            let body = try await request.jsonObject(limit: backend.settings.maxBodyBytes)
            let recipients = try Self.recipients(body)
            guard let text = try AgentRoutes.string(body, "text"), !text.isEmpty else {
                throw APIError.badRequest("must be a non-empty string", field: "text")
            }
            let kind = try AgentRoutes.string(body, "kind") ?? "message"
            guard Names.isValidKind(kind) else {
                throw APIError.badRequest("must be a lowercase word such as message", field: "kind")
            }
            let priorityText = try AgentRoutes.string(body, "priority") ?? "normal"
            guard let priority = Priority(rawValue: priorityText) else {
                throw APIError.badRequest("must be urgent, normal or low", field: "priority")
            }
            let replyTo = try AgentRoutes.string(body, "reply_to")
            let view = try backend.view()
            if let replyTo {
                guard let id = EntryID(replyTo) else {
                    throw APIError.badRequest("must be an entry id such as 00000003-manager-01", field: "reply_to")
                }
                guard view.hasEntry(id) else {
                    throw APIError(.unprocessableContent, "unknown_entry", "no entry '\(replyTo)'", field: "reply_to")
                }
            }
            do {
                for recipient in recipients {
                    try view.checkHumanCanAddress(
                        recipient, force: body["force"]?.boolValue == true,
                        forceHint: "; \"force\": true sends anyway")
                }
            } catch let error as LemmingError where error.code == .invalidArgument {
                throw APIError(.unprocessableContent, "not_listening", error.message, field: "to")
            }
            let message = HumanMessage(to: recipients, text: text, kind: kind, priority: priority, replyTo: replyTo)
            // `to` is answered as it was asked: a name, or a list of names.
            let to: JSONValue = body["to"]?.arrayValue != nil ? .strings(recipients) : .string(recipients[0])
            switch try await backend.steer([.send(message)]) {
            case .applied(let events):
                let id = events.first { $0.kind == .entryWritten }?.data["id"] ?? nil
                return .json(["status": "sent", "id": id, "to": to], status: .created)
            case .queued:
                return .json(["status": "queued", "id": nil, "to": to], status: .accepted)
            }
        },
    ]

    /// The recipients of a message: `to` as one name or a non-empty list of distinct names.
    static func recipients(_ body: JSONObject) throws -> [String] {
        if body["to"]?.arrayValue != nil {
            let names = try AgentRoutes.strings(body, "to")
            guard !names.isEmpty, names.count <= 64 else {
                throw APIError.badRequest("must name between 1 and 64 agents", field: "to")
            }
            var seen: Set<String> = []
            return names.filter { seen.insert($0).inserted }
        }
        guard let name = try AgentRoutes.string(body, "to") else {
            throw APIError.badRequest("is required: an agent's name or a list of names", field: "to")
        }
        return [name]
    }

    /// A page of entries from the search index, newest first; `nil` when the cursor's entry is
    /// not in the index (yet), so the folders answer instead.
    static func indexedPage(
        _ filter: MessageIndex.Filter, before: EntryID?, limit: Int, index: SearchIndex
    ) throws -> MessageIndex.Page? {
        var query = SearchQuery()
        query.sources = [.entries]
        query.order = .time
        query.counts = false
        query.limit = limit
        query.agents = filter.authors
        query.kinds = filter.kinds
        query.recipient = filter.recipient
        query.thread = filter.thread
        query.priorities = filter.priorities
        query.fromTick = filter.fromTick
        query.toTick = filter.toTick
        if let before {
            guard let cursor = try index.cursor(after: before) else { return nil }
            query.cursor = cursor
        }
        let page = try index.search(query)
        let entries = page.hits.compactMap { hit in
            hit.entryID.flatMap { SearchIndex.entry($0, paths: index.paths)?.entry }
        }
        let last = page.hits.last?.entryID
        return MessageIndex.Page(
            entries: entries, nextCursor: page.nextCursor == nil ? nil : last, scanLimited: false)
    }

    /// The `priority` parameter: urgent, normal, low (comma-separated).
    static func priorities(_ query: Query) throws -> Set<Priority>? {
        try query.list("priority").map { names in
            Set(
                try names.map { name in
                    guard let priority = Priority(rawValue: name) else {
                        throw APIError.badRequest("must be urgent, normal or low (comma-separated)", field: "priority")
                    }
                    return priority
                })
        }
    }

    /// The `before` cursor of a page request.
    static func cursor(_ query: Query) throws -> EntryID? {
        guard let text = query.string("before") else { return nil }
        guard let id = EntryID(text) else {
            throw APIError.badRequest("must be an entry id such as 00000003-manager-01", field: "before")
        }
        return id
    }

    static func json(_ page: MessageIndex.Page) -> JSONValue {
        [
            "messages": .array(page.entries.map(\.json)), "next_cursor": .optional(page.nextCursor?.text),
            "scan_limited": .bool(page.scanLimited),
        ]
    }
}
