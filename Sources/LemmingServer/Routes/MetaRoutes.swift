import HTTPTypes
import Hummingbird
import LemmingCore
import LemmingJSON
import LemmingOrgView
import NIOCore

/// Health, readiness, metrics and the OpenAPI document.
enum MetaRoutes {
    static let all: [APIRoute] = [
        APIRoute(
            method: .get, path: "/healthz", operationID: "health", summary: "The server is up.", tag: "meta",
            access: .open
        ) { _, _, _ in .json(["status": "ok"]) },
        APIRoute(
            method: .get, path: "/readyz", operationID: "ready", summary: "The org can be read (503 when not).",
            tag: "meta", access: .open, errors: [503]
        ) { _, _, backend in
            do {
                let view = try backend.view()
                return .json([
                    "status": "ready", "org": .string(view.config.name), "next_tick": .int(view.tick.nextTick),
                ])
            } catch {
                return APIError(.serviceUnavailable, "not_ready", "the org cannot be read: \(error)").response
            }
        },
        APIRoute(
            method: .get, path: "/metrics", operationID: "metrics",
            summary: "Prometheus metrics (text format), with circuit breaker states and rate-limit budgets.",
            tag: "meta", access: .read
        ) { _, _, backend in
            let breakers = (try? backend.view().providerHealth) ?? []
            var buffer = ByteBuffer()
            buffer.writeBytes(backend.metrics.exposition(breakers: breakers))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: buffer))
        },
        APIRoute(
            method: .get, path: "/api/openapi.json", operationID: "openapi", summary: "This document.", tag: "meta",
            access: .read
        ) { _, _, backend in
            .json(OpenAPIDocument.make(routes: APIServer.routes, title: (try? backend.view().config.name) ?? "org"))
        },
    ]
}
