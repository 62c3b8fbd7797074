import HTTPTypes
import Hummingbird
import LemmingCore
import LemmingJSON
import LemmingOrgView

/// The org as a whole: status, ledger, stats, graph, models, tools, tick timeline, approvals.
enum StatusRoutes {
    static let all: [APIRoute] = [
        APIRoute(
            method: .get, path: "/api/status", operationID: "getStatus",
            summary:
                "The org at a glance: tick, engine, agents, providers, alerts and warnings, totals (turns, entries, "
                + "spent); hosted_engine is the engine of serve --run (state running or finished, and why). Each "
                + "provider endpoint has its circuit and, per model, its rate-limit budget (budgets[]: rpm/tpm as "
                + "configured, request_limit/token_limit in force, requests_remaining/tokens_remaining this minute, "
                + "waiting calls, closed_until, waits, waited_seconds, and reported: the server's last "
                + "limit/remaining/reset_at by limit).",
            tag: "org", access: .read
        ) { _, _, backend in
            let view = try backend.view()
            var status = try OrgStatus(view: view).json.objectValue ?? [:]
            status["last_event_seq"] = .int(backend.hub.lastSequence)
            // The entries in every outbox (not the archive), counted from the message index.
            let entries = try backend.messages.ids().values.reduce(0) { $0 + $1.count }
            let accounts = view.ledger.accounts.values
            status["totals"] = [
                "turns": .int(accounts.reduce(0) { $0 + $1.turns }), "entries": .int(entries),
                "spent": .double(Credits.round(accounts.reduce(0) { $0 + $1.spent })),
            ]
            status["hosted_engine"] = backend.hostedEngineJSON
            return .json(.object(status))
        },
        APIRoute(
            method: .get, path: "/api/ledger", operationID: "getLedger",
            summary: "Every agent's credits: balance, spent, reserved, tokens, turns.", tag: "org", access: .read
        ) { _, _, backend in
            let view = try backend.view()
            var accounts: [JSONValue] = []
            for name in view.agentNames {
                var account =
                    view.ledger[name]?.json.objectValue ?? [
                        "balance": view.balance(of: name).map(JSONValue.double) ?? nil
                    ]
                account["agent"] = .string(name)
                accounts.append(.object(account))
            }
            let spent = view.ledger.accounts.values.reduce(0) { $0 + $1.spent }
            return .json(["accounts": .array(accounts), "total_spent": .double(Credits.round(spent))])
        },
        APIRoute(
            method: .get, path: "/api/stats", operationID: "getStats",
            summary:
                "Each agent's turns, tokens, cost, cost per entry, violation rate, failed turns, loop detections "
                + "and median ticks from a request to its response, and the org's totals (`lemming stats --json`).",
            tag: "org", access: .read,
            query: [
                .init(name: "agent", type: "string", description: "Only these agents, comma-separated."),
                .init(name: "from_tick", type: "integer", description: "Turns and responses at this tick or later."),
                .init(name: "to_tick", type: "integer", description: "Turns and responses at this tick or earlier."),
            ]
        ) { request, _, backend in
            let query = Query(request)
            let filter = OrgStats.Filter(
                agents: query.list("agent"), fromTick: try query.int("from_tick", in: 0...Int.max),
                toTick: try query.int("to_tick", in: 0...Int.max))
            return .json(try OrgStats(history: RunHistory.read(backend.view()), filter: filter).json)
        },
        APIRoute(
            method: .get, path: "/api/graph", operationID: "getGraph", summary: "Who reads whom.", tag: "org",
            access: .read
        ) { _, _, backend in .json(try backend.view().graphJSON) },
        APIRoute(
            method: .get, path: "/api/models", operationID: "listModels",
            summary: "The model registry, with the name of each key's variable and whether it is set (never a key).",
            tag: "org", access: .read
        ) { _, _, backend in
            let listings = ModelListing.all(in: try backend.view(), environment: backend.configuration.environment)
            return .json(["models": .array(listings.map(\.json))])
        },
        APIRoute(
            method: .get, path: "/api/tools", operationID: "listTools",
            summary:
                "The org's tools (built-in, custom and those its MCP servers list), their argument schemas and the "
                + "agents that may use each; `unavailable`: MCP servers that could not list their tools, and why.",
            tag: "org", access: .read
        ) { _, _, backend in
            let view = try backend.view()
            let registry = try backend.configuration.tools.makeRegistry(config: view.config, org: view.paths)
            await registry.prepareAll()
            let unavailable: [JSONValue] = registry.sources.compactMap { source in
                source.problem.map { ["namespace": .string(source.namespace), "problem": .string($0)] }
            }
            return .json([
                "tools": .array(ToolListing.all(registry: registry, view: view).map(\.json)),
                "unavailable": .array(unavailable),
            ])
        },
        APIRoute(
            method: .get, path: "/api/ticks", operationID: "listTicks",
            summary: "Recent ticks, newest first: who ran, outcome, duration, cost.", tag: "org", access: .read,
            query: [
                APIRoute.limit,
                .init(name: "before", type: "integer", description: "Only ticks before this one (the next page)."),
            ]
        ) { request, _, backend in
            let query = Query(request)
            let limit = try query.limit()
            let before = try query.int("before", in: 0...Int.max)
            let ticks = backend.hub.ticks(before: before, limit: limit)
            let next: JSONValue = ticks.count == limit ? ticks.last.map { .int($0.tick) } ?? nil : nil
            return .json(["ticks": .array(ticks.map(\.json)), "next_before": next])
        },
        APIRoute(
            method: .get, path: "/api/approvals", operationID: "listApprovals",
            summary: "Tool calls waiting for the human's approval.", tag: "control", access: .read
        ) { _, _, backend in
            .json(["approvals": .array(PendingRequest.all(in: try backend.view()).map(\.json))])
        },
    ]
}
