import Foundation
import HTTPTypes
import HummingbirdTesting
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingServer

@Suite(.timeLimit(.minutes(1))) struct OpenAPITests {
    @Test func theDocumentDescribesEveryRouteAndOnlyThose() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let document = try #require(try await client.call(.get, "/api/openapi.json").json)
            #expect(document["openapi"] == "3.1.0")
            let paths = try #require(document["paths"]?.objectValue)
            var documented: Set<String> = []
            for (path, item) in paths {
                for method in item.objectValue?.keys ?? [] { documented.insert("\(method.uppercased()) \(path)") }
            }
            let routed = Set(APIServer.routes.map { "\($0.method.rawValue) \($0.path)" })
            #expect(documented == routed)
            #expect(routed.count == APIServer.routes.count)
            // Every documented operation is really routed: none answers "no route".
            for route in APIServer.routes {
                let path = route.path.replacingOccurrences(of: "{name}", with: "worker")
                    .replacingOccurrences(of: "{id}", with: "00000001-worker-01")
                let answer = try await client.call(route.method, path, json: route.body == nil ? nil : [:])
                #expect(answer.errorCode != "no_route", "\(route.method) \(route.path)")
                #expect(answer.status < 500, "\(route.method) \(route.path): \(answer.text)")
                let documentedStatuses = Set(
                    (paths[route.path]?[route.method.rawValue.lowercased()]?["responses"]?.objectValue?.keys).map(
                        Array.init)
                        ?? [])
                let status = String(answer.status)
                #expect(
                    documentedStatuses.contains(status) || answer.status == 202 || answer.status == 201,
                    "\(route.method) \(route.path) answered \(status), documented \(documentedStatuses.sorted())")
            }
        }
    }

    @Test func aWrongMethodOnAServedPathIs405WithAllowAndAnUnknownPath404() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let status = try await client.call(.delete, "/api/status")
            #expect(status.status == 405)
            #expect(status.errorCode == "method_not_allowed")
            #expect(status.headers[.allow] == "GET")
            let message = try await client.call(.put, "/api/messages/00000001-worker-01")
            #expect(message.status == 405)
            #expect(message.headers[.allow] == "GET")
            let messages = try await client.call(.delete, "/api/messages")
            #expect(messages.headers[.allow] == "GET, POST")
            let unknown = try await client.call(.delete, "/api/nothing/here")
            #expect(unknown.status == 404)
            #expect(unknown.errorCode == "no_route")
        }
    }
}
