import Foundation
import LemmingCore
import LemmingJSON
import MCP

extension MCPServerPool {
    /// Calls `tool` of `server` (`tools/call`) and renders the result for the agent.
    ///
    /// Never throws: a server that cannot start, a call past `timeout_seconds` (then cancelled),
    /// a server that stops during the call, and a result with `isError` are failures.
    func call(server: String, tool: String, arguments: JSONObject) async -> ToolResult {
        let name = "mcp.\(server).\(tool)"
        let client: Client
        switch await ready(server) {
        case .success(let (ready, _)): client = ready
        case .failure(let unavailable):
            return .failure(name, "the MCP server '\(server)' is unavailable: \(unavailable.reason)")
        }
        guard let settings = settings(of: server) else {
            return .failure(name, "no MCP server named '\(server)' in lemming.json mcp.servers")
        }
        let values = arguments.reduce(into: [String: MCP.Value]()) { $0[$1.key] = $1.value.mcpValue }
        let context: RequestContext<CallTool.Result>
        do {
            context = try await client.send(CallTool.request(.init(name: tool, arguments: values)))
        } catch {
            return .failure(name, "could not send the call to '\(server)': \(Self.describe(error))")
        }
        let timeout = Deadline.seconds(settings.timeoutSeconds)
        do {
            let result = try await answer(to: context, of: client, within: timeout)
            markHealthy(server)
            return Self.render(result, tool: name, limit: settings.maxOutputBytes)
        } catch is DeadlineExceeded {
            return .failure(
                name,
                "\(name) did not answer within \(Deadline.describe(timeout)) "
                    + "(mcp.servers.\(server).timeout_seconds); the call was cancelled")
        } catch let error as MCPError where !Self.isConnectionError(error) {
            if case .methodNotFound = error {
                return .failure(name, "the MCP server '\(server)' has no tool '\(tool)'")
            }
            return .failure(name, "\(name) failed: \(Self.describe(error))")
        } catch {
            let problem = await endingReason(of: server, after: client) ?? Self.describe(error)
            return .failure(name, "the MCP server '\(server)' stopped during the call: \(problem)")
        }
    }

    /// Whether `error` says the connection is gone (rather than the server's answer to the call).
    static func isConnectionError(_ error: MCPError) -> Bool {
        switch error {
        case .connectionClosed, .transportError: return true
        // What the SDK's client fails pending requests with when the connection ends.
        case .internalError(let detail): return detail == "Client disconnected"
        default: return false
        }
    }

    /// The answer to a request, or ``DeadlineExceeded`` after `timeout`: the request is then
    /// cancelled (`notifications/cancelled`), which also ends the SDK's wait for its answer (a
    /// wait that cancelling the task would not end).
    private func answer<Output: Sendable>(
        to context: RequestContext<Output>, of client: Client, within timeout: Duration
    ) async throws -> Output {
        let timedOut = OnceFlag()
        return try await withThrowingTaskGroup(of: Output?.self, returning: Output.self) { group in
            group.addTask { try await context.value }
            group.addTask { [clock] in
                try await clock.sleep(for: timeout)
                timedOut.raise()
                try? await client.cancelRequest(context.requestID, reason: "timed out")
                return nil
            }
            defer { group.cancelAll() }
            do {
                while let next = try await group.next() {
                    if let value = next { return value }
                }
            } catch {
                if timedOut.isRaised { throw DeadlineExceeded(duration: timeout) }
                throw error
            }
            throw DeadlineExceeded(duration: timeout)
        }
    }

    /// A `tools/call` result as the agent reads it (MCP 2025-06-18 "Tool Result"): the text
    /// blocks, other content described in brackets, `structuredContent` as JSON when there is
    /// no text; `isError` makes it a failure. Cut at `limit` bytes (a UTF-8 boundary), marked
    /// truncated.
    static func render(_ result: CallTool.Result, tool: String, limit: Int) -> ToolResult {
        var parts: [String] = []
        for content in result.content {
            switch content {
            case .text(let text, _, _):
                parts.append(text)
            case .image(let data, let mimeType, _, _):
                parts.append("[image, \(mimeType), \(data.utf8.count / 4 * 3) bytes]")
            case .audio(let data, let mimeType, _, _):
                parts.append("[audio, \(mimeType), \(data.utf8.count / 4 * 3) bytes]")
            case .resource(let resource, _, _):
                if let text = resource.text {
                    parts.append(text)
                } else {
                    parts.append("[resource \(resource.uri)\(resource.mimeType.map { ", \($0)" } ?? "")]")
                }
            case .resourceLink(let uri, let name, _, _, let mimeType, _):
                parts.append("[resource link \(uri) (\(name)\(mimeType.map { ", \($0)" } ?? ""))]")
            }
        }
        var text = parts.joined(separator: "\n")
        if text.isEmpty, let structured = result.structuredContent {
            text = JSONValue(structured).compactText
        }
        let (shown, cut) = truncate(text, limit: limit)
        if result.isError == true {
            return .failure(tool, shown.isEmpty ? "\(tool) failed without a message" : shown)
        }
        return .success(tool, shown, truncated: cut)
    }

    /// `text` cut to at most `limit` UTF-8 bytes on a scalar boundary, and whether it was cut.
    static func truncate(_ text: String, limit: Int) -> (String, Bool) {
        let utf8 = text.utf8
        guard utf8.count > limit else { return (text, false) }
        var end = utf8.index(utf8.startIndex, offsetBy: limit)
        // Back off over continuation bytes (10xxxxxx) to the start of the cut scalar.
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        return (String(decoding: utf8[..<end], as: UTF8.self), true)
    }
}
