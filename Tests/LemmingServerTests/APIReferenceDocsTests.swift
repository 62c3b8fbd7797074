import Foundation
import HTTPTypes
import LemmingJSON
import Testing

@testable import LemmingServer

private let apiDocsPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("docs/api.md").path
private let beginMarker = "<!-- BEGIN GENERATED: openapi -->"
private let endMarker = "<!-- END GENERATED: openapi -->"

/// docs/api.md's endpoint reference is the OpenAPI document rendered (issue 17: the HTTP API docs
/// "from the OpenAPI document"). Run with `LEMMING_UPDATE_DOCS=1` to write it.
@Test func apiReferenceInTheDocsIsTheOpenAPIDocumentRendered() throws {
    let text = try String(contentsOfFile: apiDocsPath, encoding: .utf8)
    let begin = try #require(text.range(of: beginMarker), "docs/api.md has no line \(beginMarker)")
    let end = try #require(text.range(of: endMarker, range: begin.upperBound..<text.endIndex))
    let document = OpenAPIDocument.make(routes: APIServer.routes, title: "org")
    let expected = "\n" + OpenAPIMarkdown.render(document)
    guard String(text[begin.upperBound..<end.lowerBound]) != expected else { return }
    if ProcessInfo.processInfo.environment["LEMMING_UPDATE_DOCS"] == "1" {
        try (String(text[..<begin.upperBound]) + expected + String(text[end.lowerBound...]))
            .write(toFile: apiDocsPath, atomically: true, encoding: .utf8)
        return
    }
    Issue.record(
        "docs/api.md's endpoint reference differs from the OpenAPI document; run the test with LEMMING_UPDATE_DOCS=1")
}

@Suite struct OpenAPIMarkdownTests {
    @Test func everyOperationOfTheDocumentHasItsSection() throws {
        let document = OpenAPIDocument.make(routes: APIServer.routes, title: "org")
        let markdown = OpenAPIMarkdown.render(document)
        for route in APIServer.routes {
            #expect(markdown.contains("#### `\(route.method.rawValue) \(route.path)`\n\n\(route.summary)\n"))
        }
        #expect(markdown.components(separatedBy: "\n#### ").count - 1 == APIServer.routes.count)
    }

    @Test func parametersBodiesAccessAndAnswersAreShown() {
        let document: JSONValue = [
            "paths": [
                "/api/x/{name}": [
                    "post": [
                        "summary": "Do x.", "tags": ["things"],
                        "parameters": [
                            ["name": "name", "in": "path", "required": true, "schema": ["type": "string"]],
                            [
                                "name": "q", "in": "query", "description": "A | B.", "schema": ["type": "string"],
                            ],
                        ],
                        "requestBody": ["content": ["application/json": ["schema": ["type": "object"]]]],
                        "responses": ["200": ["description": "Success"], "404": ["description": "Not found"]],
                        "security": [["bearer": []]],
                    ]
                ],
                "/api/health": ["get": ["summary": "Health.", "tags": ["meta"], "responses": [:]]],
            ]
        ]
        let markdown = OpenAPIMarkdown.render(document)
        #expect(markdown.hasPrefix("### things\n\n#### `POST /api/x/{name}`\n\nDo x.\n\nAccess: a read"))
        #expect(markdown.contains("| `name` (required) | path | string |  |"))
        #expect(markdown.contains("| `q` | query | string | A \\| B. |"))
        #expect(markdown.contains("```json\n{\n  \"type\": \"object\"\n}\n```"))
        #expect(markdown.contains("Answers: `200` Success; `404` Not found."))
        #expect(markdown.contains("### meta\n\n#### `GET /api/health`\n\nHealth.\n\nAccess: open (no key)."))
    }
}
