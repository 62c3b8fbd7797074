import Foundation
import Hummingbird
import LemmingCore
import LemmingJSON
import LemmingProviders
import NIOCore

/// How each format renders a reply, whole or streamed, the way the real API does (reasoning,
/// refusals and blocked prompts included).
extension Wire {
    typealias Reply = FakeModelServer.Reply

    /// A reply, whole or streamed; `truncated` leaves out the stream's final events (or cuts the
    /// whole body in half); `stall` runs after the first part is sent.
    static func reply(
        _ reply: Reply, call: WireCall, truncated: Bool, stall: (@Sendable () async throws -> Void)? = nil
    ) -> Response {
        let parts: [String]
        if call.streaming {
            let (content, final) = frames(reply, call: call)
            parts = truncated ? content : content + final
        } else {
            parts = halves(wholeBody(reply, call: call), truncated: truncated)
        }
        return Response(status: .ok, headers: headers(for: call), body: body(parts, stall: stall))
    }

    /// A body written in `parts`, with `stall` run after the first.
    static func body(_ parts: [String], stall: (@Sendable () async throws -> Void)?) -> ResponseBody {
        ResponseBody { writer in
            for (index, part) in parts.enumerated() {
                try await writer.write(ByteBuffer(string: part))
                if index == 0, let stall { try await stall() }
            }
            try await writer.finish(nil)
        }
    }

    /// A whole JSON body in two halves: the first alone when `truncated`.
    static func halves(_ value: JSONValue, truncated: Bool) -> [String] {
        let whole = Array(text(value).utf8)
        let half = whole.count / 2
        let first = String(decoding: whole[..<half], as: UTF8.self)
        return truncated ? [first] : [first, String(decoding: whole[half...], as: UTF8.self)]
    }

    /// A degenerate reply of about `bytes` bytes: `piece` repeated, whole or one piece per event.
    /// Each write waits until the connection can take more (the client reads), and the flood stops
    /// when the client hangs up; `end` is told how it ended.
    static func flood(
        piece: String, bytes: Int, call: WireCall, channel: any Channel,
        end: @escaping @Sendable (FakeModelServer.FloodEnd) -> Void
    ) -> Response {
        let cutOff = ["openai": "length", "anthropic": "max_tokens", "gemini": "MAX_TOKENS", "ollama": "length"]
        var reply = Reply(
            text: piece + piece, chunks: 2, inputTokens: 500, outputTokens: 32_000,
            finishReason: cutOff[call.format.rawValue])
        let head: String
        let unit: String
        let tail: String
        if call.streaming {
            let (content, final) = frames(reply, call: call)
            head = content.dropLast().joined()
            unit = content.last ?? piece
            tail = final.joined()
        } else {
            let marker = "FLOOD-MARKER"
            reply.text = marker
            let whole = text(wholeBody(reply, call: call)).components(separatedBy: marker)
            head = whole.first ?? ""
            unit = piece
            tail = whole.dropFirst().joined(separator: marker)
        }
        let batch = ByteBuffer(string: String(repeating: unit, count: max(1, 65_536 / max(unit.utf8.count, 1))))
        let body = ResponseBody { writer in
            var written = 0
            do {
                try await writer.write(ByteBuffer(string: head))
                written += head.utf8.count
                while written < bytes {
                    try await waitUntilWritable(channel)
                    try await writer.write(batch)
                    written += batch.readableBytes
                }
                try await writer.write(ByteBuffer(string: tail))
                try await writer.finish(nil)
                end(.completed(bytes: written + tail.utf8.count))
            } catch {
                end(.clientHungUp(afterBytes: written))
                throw error
            }
        }
        return Response(status: .ok, headers: headers(for: call), body: body)
    }

    /// Waits until `channel` can take more bytes: the body writer buffers without limit, so the
    /// flood asks the channel itself, on its event loop (after the writes already handed over),
    /// polling while the client does not read.
    ///
    /// - Throws: `CancellationError` once the connection is closed.
    static func waitUntilWritable(_ channel: any Channel) async throws {
        while true {
            let (active, writable) = try await channel.eventLoop.submit { (channel.isActive, channel.isWritable) }.get()
            guard active else { throw CancellationError() }
            if writable { return }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    static func headers(for call: WireCall) -> HTTPFields {
        var headers = HTTPFields()
        if !call.streaming {
            headers[.contentType] = "application/json"
        } else if call.format == .ollama {
            headers[.contentType] = "application/x-ndjson"
        } else {
            headers[.contentType] = call.serverSentEvents ? "text/event-stream" : "application/json"
        }
        return headers
    }

    /// The body of a whole (non-streaming) reply.
    static func wholeBody(_ reply: Reply, call: WireCall) -> JSONValue {
        switch call.format {
        case .openAI:
            var message: JSONObject = ["role": "assistant"]
            let noContent = reply.text.isEmpty && (reply.nullContent || reply.refusal != nil)
            message["content"] = noContent ? .null : .string(reply.text)
            message["refusal"] = .optional(reply.refusal)
            if let reasoning = reply.reasoning { message[reply.reasoningField] = .string(reasoning) }
            return [
                "id": "chatcmpl-fake", "object": "chat.completion", "created": .int(created),
                "model": .string(call.model),
                "choices": [
                    [
                        "index": 0, "message": .object(message), "logprobs": nil,
                        "finish_reason": .string(reply.finishReason ?? "stop"),
                    ]
                ],
                "usage": openAIUsage(reply), "system_fingerprint": "fp_fake",
            ]
        case .anthropic:
            let tool = toolInput(reply, call: call)
            var blocks: [JSONValue] = []
            if let reasoning = reply.reasoning {
                blocks.append(["type": "thinking", "thinking": .string(reasoning), "signature": "fake-signature"])
            }
            if let tool {
                blocks.append(["type": "tool_use", "id": "toolu_fake", "name": .string(tool.name), "input": tool.input])
            } else if !reply.text.isEmpty || (blocks.isEmpty && reply.refusal == nil) {
                blocks.append(["type": "text", "text": .string(reply.text)])
            }
            return [
                "id": "msg_fake", "type": "message", "role": "assistant", "model": .string(call.model),
                "content": .array(blocks), "stop_reason": .string(anthropicStop(reply, tool: tool != nil)),
                "stop_sequence": nil,
                "usage": anthropicUsage(reply, output: reply.outputTokens),
            ]
        case .gemini:
            if let blocked = reply.refusal { return geminiBlocked(blocked, reply: reply, call: call) }
            return geminiChunk(
                geminiParts(reply.reasoning, thought: true) + geminiParts(reply.text), reply: reply, call: call,
                final: true)
        case .ollama:
            return ollamaChunk(reply.text, thinking: reply.reasoning, reply: reply, call: call, final: true)
        }
    }

    /// A stream's frames: those carrying the reply, then the final ones a truncated stream lacks.
    static func frames(_ reply: Reply, call: WireCall) -> (content: [String], final: [String]) {
        switch call.format {
        case .openAI: return openAIFrames(reply, call: call)
        case .anthropic: return anthropicFrames(reply, call: call)
        case .gemini: return geminiFrames(reply, call: call)
        case .ollama:
            let thinking = reply.reasoningPieces.map {
                text(ollamaChunk("", thinking: $0, reply: reply, call: call, final: false)) + "\n"
            }
            let content =
                reply.text.isEmpty
                ? []
                : reply.pieces.map {
                    text(ollamaChunk($0, thinking: nil, reply: reply, call: call, final: false)) + "\n"
                }
            let final = text(ollamaChunk("", thinking: nil, reply: reply, call: call, final: true)) + "\n"
            return (thinking + content, [final])
        }
    }

    static func event(_ name: String?, _ value: JSONValue) -> String {
        (name.map { "event: \($0)\n" } ?? "") + "data: " + text(value) + "\n\n"
    }

    static func openAIFrames(_ reply: Reply, call: WireCall) -> (content: [String], final: [String]) {
        func chunk(_ delta: JSONValue, finish: String?) -> String {
            var chunk: JSONObject = [
                "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": .int(created),
                "model": .string(call.model),
                "choices": [["index": 0, "delta": delta, "logprobs": nil, "finish_reason": .optional(finish)]],
            ]
            if call.includeUsage { chunk["usage"] = .null }
            return event(nil, .object(chunk))
        }
        let first: JSONValue =
            reply.nullContent ? ["role": "assistant", "content": nil] : ["role": "assistant", "content": ""]
        var content = [chunk(first, finish: nil)]
        content += reply.reasoningPieces.map {
            chunk(.object(JSONObject([(reply.reasoningField, .string($0))])), finish: nil)
        }
        if let refusal = reply.refusal { content.append(chunk(["refusal": .string(refusal)], finish: nil)) }
        if !reply.text.isEmpty { content += reply.pieces.map { chunk(["content": .string($0)], finish: nil) } }
        var final = [chunk([:], finish: reply.finishReason ?? "stop")]
        if call.includeUsage {
            let usage: JSONValue = [
                "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": .int(created),
                "model": .string(call.model), "choices": [], "usage": openAIUsage(reply),
            ]
            final.append(event(nil, usage))
        }
        final.append("data: [DONE]\n\n")
        return (content, final)
    }

    static func anthropicFrames(_ reply: Reply, call: WireCall) -> (content: [String], final: [String]) {
        let tool = toolInput(reply, call: call)
        let message: JSONValue = [
            "id": "msg_fake", "type": "message", "role": "assistant", "content": [], "model": .string(call.model),
            "stop_reason": nil, "stop_sequence": nil,
            "usage": anthropicUsage(reply, output: 1),
        ]
        func delta(_ index: Int, _ delta: JSONValue) -> String {
            event("content_block_delta", ["type": "content_block_delta", "index": .int(index), "delta": delta])
        }
        func start(_ index: Int, _ block: JSONValue) -> String {
            event("content_block_start", ["type": "content_block_start", "index": .int(index), "content_block": block])
        }
        func stop(_ index: Int) -> String {
            event("content_block_stop", ["type": "content_block_stop", "index": .int(index)])
        }
        var content = [
            event("message_start", ["type": "message_start", "message": message]), event("ping", ["type": "ping"]),
        ]
        var index = 0
        if reply.reasoning != nil {
            content.append(start(index, ["type": "thinking", "thinking": "", "signature": ""]))
            content += reply.reasoningPieces.map { delta(index, ["type": "thinking_delta", "thinking": .string($0)]) }
            content.append(delta(index, ["type": "signature_delta", "signature": "fake-signature"]))
            content.append(stop(index))
            index += 1
        }
        if let tool {
            content.append(
                start(index, ["type": "tool_use", "id": "toolu_fake", "name": .string(tool.name), "input": [:]]))
            content += FakeModelServer.pieces(of: text(tool.input), count: reply.chunks).map {
                delta(index, ["type": "input_json_delta", "partial_json": .string($0)])
            }
        } else {
            content.append(start(index, ["type": "text", "text": ""]))
            if !reply.text.isEmpty {
                content += reply.pieces.map { delta(index, ["type": "text_delta", "text": .string($0)]) }
            }
        }
        let final = [
            stop(index),
            event(
                "message_delta",
                [
                    "type": "message_delta",
                    "delta": ["stop_reason": .string(anthropicStop(reply, tool: tool != nil)), "stop_sequence": nil],
                    "usage": ["output_tokens": .int(reply.outputTokens)],
                ]),
            event("message_stop", ["type": "message_stop"]),
        ]
        return (content, final)
    }

    static func geminiFrames(_ reply: Reply, call: WireCall) -> (content: [String], final: [String]) {
        var chunks: [String]
        if let blocked = reply.refusal {
            chunks = [text(geminiBlocked(blocked, reply: reply, call: call))]
        } else {
            let thoughts = reply.reasoningPieces.map {
                text(geminiChunk(geminiParts($0, thought: true), reply: reply, call: call, final: false))
            }
            let pieces = reply.text.isEmpty ? [""] : reply.pieces
            chunks =
                thoughts
                + pieces.enumerated().map { index, piece in
                    text(geminiChunk(geminiParts(piece), reply: reply, call: call, final: index == pieces.count - 1))
                }
        }
        guard call.serverSentEvents else {
            // Without alt=sse, one JSON array arrives in pieces.
            let items = chunks.enumerated().map { $0 == 0 ? "[" + $1 : ",\r\n" + $1 }
            return (Array(items.dropLast()), [items.last ?? "[", "]"])
        }
        let events = chunks.map { "data: " + $0 + "\r\n\r\n" }
        return (Array(events.dropLast()), Array(events.suffix(1)))
    }

    static func openAIUsage(_ reply: Reply) -> JSONValue {
        var usage: JSONObject = [
            "prompt_tokens": .int(reply.inputTokens), "completion_tokens": .int(reply.outputTokens),
            "total_tokens": .int(reply.inputTokens + reply.outputTokens),
        ]
        if reply.cacheReadTokens != nil || reply.cacheWriteTokens != nil {
            var details: JSONObject = ["cached_tokens": .int(reply.cacheReadTokens ?? 0), "audio_tokens": 0]
            if let written = reply.cacheWriteTokens { details["cache_write_tokens"] = .int(written) }
            usage["prompt_tokens_details"] = .object(details)
        }
        return .object(usage)
    }

    /// Anthropic's usage: `input_tokens` without the cache's reads and writes, which come apart.
    static func anthropicUsage(_ reply: Reply, output: Int) -> JSONValue {
        let read = reply.cacheReadTokens ?? 0
        let written = reply.cacheWriteTokens ?? 0
        var usage: JSONObject = ["input_tokens": .int(max(0, reply.inputTokens - read - written))]
        if reply.cacheReadTokens != nil || reply.cacheWriteTokens != nil {
            usage["cache_creation_input_tokens"] = .int(written)
            usage["cache_read_input_tokens"] = .int(read)
        }
        usage["output_tokens"] = .int(output)
        return .object(usage)
    }

    static func anthropicStop(_ reply: Reply, tool: Bool) -> String {
        reply.finishReason ?? (reply.refusal != nil ? "refusal" : tool ? "tool_use" : "end_turn")
    }

    /// Anthropic answers a forced tool with a `tool_use` block whose input is the reply object.
    static func toolInput(_ reply: Reply, call: WireCall) -> (name: String, input: JSONValue)? {
        guard let name = call.forcedTool, let input = try? JSONValue.parse(reply.text), input.objectValue != nil else {
            return nil
        }
        return (name, input)
    }

    /// Gemini parts: none for an empty text.
    static func geminiParts(_ text: String?, thought: Bool = false) -> [JSONValue] {
        guard let text, !text.isEmpty else { return [] }
        return [thought ? ["text": .string(text), "thought": true] : ["text": .string(text)]]
    }

    static func geminiChunk(_ parts: [JSONValue], reply: Reply, call: WireCall, final: Bool) -> JSONValue {
        var candidate: JSONObject = ["index": 0]
        if !parts.isEmpty { candidate["content"] = ["parts": .array(parts), "role": "model"] }
        if final { candidate["finishReason"] = .string(reply.finishReason ?? "STOP") }
        let output = final ? reply.outputTokens : 0
        var usage: JSONObject = [
            "promptTokenCount": .int(reply.inputTokens), "candidatesTokenCount": .int(output),
            "totalTokenCount": .int(reply.inputTokens + output),
        ]
        if let read = reply.cacheReadTokens { usage["cachedContentTokenCount"] = .int(read) }
        return [
            "candidates": [.object(candidate)],
            "usageMetadata": .object(usage),
            "modelVersion": .string(call.model), "responseId": "fake-response",
        ]
    }

    /// Gemini's answer to a prompt it blocked: no candidates.
    static func geminiBlocked(_ reason: String, reply: Reply, call: WireCall) -> JSONValue {
        [
            "promptFeedback": ["blockReason": .string(reason)],
            "usageMetadata": [
                "promptTokenCount": .int(reply.inputTokens), "totalTokenCount": .int(reply.inputTokens),
            ],
            "modelVersion": .string(call.model), "responseId": "fake-response",
        ]
    }

    static func ollamaChunk(
        _ piece: String, thinking: String?, reply: Reply, call: WireCall, final: Bool
    ) -> JSONValue {
        var message: JSONObject = ["role": "assistant", "content": .string(piece)]
        if let thinking { message["thinking"] = .string(thinking) }
        var chunk: JSONObject = [
            "model": .string(call.model), "created_at": "2026-01-01T00:00:00.000000Z", "message": .object(message),
        ]
        if final {
            chunk["done_reason"] = .string(reply.finishReason ?? "stop")
            chunk["done"] = true
            chunk["total_duration"] = 1_200_000
            chunk["load_duration"] = 100_000
            chunk["prompt_eval_count"] = .int(reply.inputTokens)
            chunk["prompt_eval_duration"] = 300_000
            chunk["eval_count"] = .int(reply.outputTokens)
            chunk["eval_duration"] = 800_000
        } else {
            chunk["done"] = false
        }
        return .object(chunk)
    }
}
