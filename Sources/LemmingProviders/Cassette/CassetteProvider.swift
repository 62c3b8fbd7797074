import LemmingCore
import LemmingJSON
import Synchronization

/// Plays a recorded run back: `{"provider": "cassette", "cassette": "cassettes/NAME.jsonl",
/// "mode": "strict"}` answers each call with the reply recorded for the same agent and tick (the
/// file is relative to the org, or absolute; re-read when it changes). No network, no command.
///
/// - `strict` (the default): the request must be the one recorded (the same
///   ``RequestFingerprint/sha256``), else the call fails (`cassette_mismatch`) with the first
///   difference: the message (its index from 1 and role, a short excerpt of both), the number of
///   messages, or the parameter.
/// - `lenient`: by agent and tick only, whatever was asked.
///
/// When the cassette holds several lines for an agent and tick, the calls take them in order
/// (strict: the first unused line with the same request, and a call asked again gets the same
/// answer). A call with no line left is a failure naming the agent, tick and file. A recorded
/// failure is played back as the same ``ProviderError`` (code, message, usage).
public final class CassetteProvider: ModelProvider {
    public enum Mode: String, Sendable, CaseIterable {
        case strict
        case lenient
    }

    public let mode: Mode
    /// The file as written in `models.json`.
    public let file: String
    private let path: String
    private let cache = Mutex<(FileInfo?, Cassette)?>(nil)
    /// How many lines each agent and tick has used, in order.
    private let used = Mutex<[Cassette.Key: Set<Int>]>([:])

    /// - Throws: ``LemmingError`` naming the `models.json` field that is wrong, or the cassette's
    ///   line that cannot be read (`.notFound` when the file does not exist).
    public init(entry: ModelEntry, org: OrgPaths) throws {
        guard let relative = entry.document["cassette"]?.stringValue, !relative.isEmpty, !relative.contains("\0")
        else {
            throw LemmingError(
                .invalidFile, "needs \"cassette\": the recorded file, relative to the org", path: "models.json",
                field: "\(entry.key).cassette")
        }
        switch entry.document["mode"] {
        case nil, .null?:
            mode = .strict
        case .string(let text)? where Mode(rawValue: text) != nil:
            mode = Mode(rawValue: text) ?? .strict
        default:
            throw LemmingError(
                .invalidFile, "must be \"strict\" or \"lenient\"", path: "models.json", field: "\(entry.key).mode")
        }
        file = relative
        path = relative.hasPrefix("/") ? relative : org.absolute(relative)
        _ = try cassette()
    }

    /// The cassette as the file is now.
    public func cassette() throws -> Cassette {
        let info = FileSystem.info(path)
        if let cached = cache.withLock({ $0 }), cached.0 == info { return cached.1 }
        guard info != nil else {
            throw LemmingError(.notFound, "the cassette does not exist (record one with \"record\")", path: file)
        }
        let cassette = try Cassette(bytes: try FileSystem.read(path), file: file)
        cache.withLock { $0 = (info, cassette) }
        return cassette
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let cassette: Cassette
        do {
            cassette = try self.cassette()
        } catch {
            throw ProviderError(.configuration, "\(error)")
        }
        let key = Cassette.Key(agent: request.agent, tick: request.tick)
        let lines = cassette.lines(for: key)
        guard !lines.isEmpty else {
            throw ProviderError(
                .cassetteMismatch, "\(file) has no recorded call of \(request.agent) at tick \(request.tick)")
        }
        let line = try pick(from: lines, key: key, fingerprint: mode == .strict ? RequestFingerprint(request) : nil)
        switch line.outcome {
        case .success(let response): return response
        case .failure(let failure): throw failure.providerError
        }
    }

    /// The line a call plays: by order, and in strict mode only one whose request is the same.
    private func pick(
        from lines: [CassetteLine], key: Cassette.Key, fingerprint: RequestFingerprint?
    ) throws -> CassetteLine {
        try used.withLock { used in
            let taken = used[key, default: []]
            let next = (0..<lines.count).first { !taken.contains($0) }
            guard let fingerprint else {
                guard let next else {
                    throw ProviderError(
                        .cassetteMismatch,
                        "\(file) has \(lines.count) recorded call\(lines.count == 1 ? "" : "s") of \(key.agent) at "
                            + "tick \(key.tick), all played; this is one more")
                }
                used[key, default: []].insert(next)
                return lines[next]
            }
            let matching = lines.indices.filter { lines[$0].request.sha256 == fingerprint.sha256 }
            if let index = matching.first(where: { !taken.contains($0) }) ?? matching.last {
                used[key, default: []].insert(index)
                return lines[index]
            }
            let recorded = lines[next ?? lines.count - 1]
            let difference = fingerprint.difference(from: recorded.request) ?? "the request differs"
            throw ProviderError(
                .cassetteMismatch,
                "the request of \(key.agent) at tick \(key.tick) is not the one recorded in \(file): \(difference)")
        }
    }
}
