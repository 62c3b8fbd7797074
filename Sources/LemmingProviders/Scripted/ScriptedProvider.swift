import LemmingCore
import LemmingJSON
import Synchronization

/// The offline provider: replies from a script file, or from a built-in simulation (DESIGN §6).
///
/// `{"provider": "scripted", "replies": "replies.jsonl"}` answers from the file (relative to the
/// org; re-read when it changes); with no matching line the reply is `{"notes": "idle"}`. Without
/// `replies` it runs ``Simulation``. Usage is estimated from text length.
public final class ScriptedProvider: ModelProvider {
    private let repliesPath: String?
    private let repliesFile: String
    private let cache = Mutex<(FileInfo?, ScriptedReplies)?>(nil)

    public init(entry: ModelEntry, org: OrgPaths) throws {
        if let replies = entry.document["replies"] {
            guard let relative = replies.stringValue, !relative.isEmpty else {
                throw LemmingError(
                    .invalidFile, "must be a file name relative to the org", path: "models.json",
                    field: "\(entry.key).replies")
            }
            repliesPath = relative.hasPrefix("/") ? relative : org.absolute(relative)
            repliesFile = relative
            _ = try script()
        } else {
            repliesPath = nil
            repliesFile = ""
        }
    }

    private func script() throws -> ScriptedReplies? {
        guard let repliesPath else { return nil }
        let info = FileSystem.info(repliesPath)
        if let cached = cache.withLock({ $0 }), cached.0 == info { return cached.1 }
        guard info != nil else {
            throw LemmingError(.notFound, "the replies file does not exist", path: repliesFile)
        }
        let replies = try ScriptedReplies(bytes: try FileSystem.read(repliesPath), file: repliesFile)
        cache.withLock { $0 = (info, replies) }
        return replies
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let text: String
        do {
            if let replies = try script() {
                text = replies.reply(agent: request.agent, tick: request.tick) ?? #"{"notes":"idle"}"#
            } else {
                text = Simulation.reply(to: request)
            }
        } catch {
            throw ProviderError(.configuration, "\(error)")
        }
        let usage = TokenUsage(
            inputTokens: TokenEstimator.tokens(in: request.messages), outputTokens: TokenEstimator.tokens(in: text),
            isEstimated: true)
        return ChatResponse(text: text, usage: usage, finishReason: "stop")
    }
}
