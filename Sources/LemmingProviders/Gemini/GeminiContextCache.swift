import Crypto
import LemmingCore
import LemmingJSON
import Synchronization

/// Gemini's explicit context caching (`options.cached_content`): the part of each agent's prompt
/// that is stable per agent (the system message and the tools, up to the request's last
/// ``PromptBreakpoint/Stability/agent`` breakpoint) is stored once as a `cachedContents` resource
/// and named in the agent's later calls, which are then billed at the cached rate for it.
///
/// Wire format (Gemini API "Context caching", `cachedContents.create`): `POST
/// {base}/v1beta/cachedContents` with `{"model": "models/…", "systemInstruction": {"parts": [{"text":
/// system}, {"text": tools}]}, "ttl": "3600s"}` answers a resource whose `name` is
/// `cachedContents/{id}`; a `generateContent` call then sends `"cachedContent": name` and neither
/// `systemInstruction` (the cache holds it; a request that uses a cache must not repeat it) nor the
/// cached text in `contents`. Here the stable text goes into the cached system instruction as a
/// second part, so the call's `contents` stays one user turn.
///
/// A cache is created when the stable prefix has at least `cached_content_min_tokens` (estimated)
/// tokens, reused while its hash (model and text) is unchanged and its TTL has not run out (with a
/// minute's margin), created again after that; a call the API answers 404 or 403 about the cache
/// (deleted or expired early) forgets it and is made again without it. A failed creation leaves
/// the call to implicit caching and is not tried again for that prefix for one TTL. Storage is
/// billed per token-hour until expiry, which is why this is opt-in.
public final class GeminiContextCache: Sendable {
    /// A cache the API created.
    struct Entry: Sendable, Equatable {
        var name: String
        /// When to stop using it, on the provider's timeline.
        var usableUntil: Duration
    }

    let options: PromptCacheOptions.ExplicitCache
    private let entries = Mutex<[String: Entry]>([:])
    /// Prefixes whose creation failed, and until when not to try again.
    private let refused = Mutex<[String: Duration]>([:])

    init(options: PromptCacheOptions.ExplicitCache) {
        self.options = options
    }

    /// What a request would cache: the system text and the stable start of the user message, and
    /// the hash that names them; `nil` when the request marks no stable prefix in its user
    /// message or the prefix is too small.
    struct Prefix: Sendable {
        var system: String
        var stable: String
        /// The index of the message the stable text starts (the user message) and its length in
        /// UTF-8 bytes.
        var message: Int
        var offset: Int
        var key: String
    }

    func prefix(of request: ChatRequest, model: String) -> Prefix? {
        guard let breakpoint = request.lastBreakpoint(through: .agent), breakpoint.message > 0,
            request.messages.indices.contains(breakpoint.message),
            request.messages[..<breakpoint.message].allSatisfy({ $0.role == .system }),
            request.messages[breakpoint.message].role == .user
        else { return nil }
        let system = request.messages[..<breakpoint.message].map(\.content).joined(separator: "\n\n")
        let stable = String(
            decoding: Array(request.messages[breakpoint.message].content.utf8).prefix(breakpoint.offset), as: UTF8.self)
        guard TokenEstimator.tokens(in: system + stable) >= options.minTokens else { return nil }
        var hasher = SHA256()
        for part in [model, system, stable] {
            hasher.update(data: Array(part.utf8))
            hasher.update(data: [0])
        }
        let key = hasher.finalize().map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
        return Prefix(system: system, stable: stable, message: breakpoint.message, offset: breakpoint.offset, key: key)
    }

    /// The cache stored for `prefix`, live or not (the call checks its time first).
    func stored(_ prefix: Prefix) -> Entry? {
        entries.withLock { $0[prefix.key] }
    }

    /// The cache to use for `prefix` at `now`, if one is live.
    func entry(for prefix: Prefix, now: Duration) -> Entry? {
        entries.withLock { entries in
            guard let entry = entries[prefix.key] else { return nil }
            if entry.usableUntil <= now {
                entries[prefix.key] = nil
                return nil
            }
            return entry
        }
    }

    /// Whether a cache for `prefix` should be created now (none is live and none failed lately).
    func shouldCreate(_ prefix: Prefix, now: Duration) -> Bool {
        refused.withLock { refused in
            guard let until = refused[prefix.key] else { return true }
            if until <= now { refused[prefix.key] = nil }
            return until <= now
        }
    }

    func store(_ name: String, for prefix: Prefix, now: Duration) {
        let usable = now + .seconds(max(options.ttlSeconds - 60, options.ttlSeconds / 2))
        entries.withLock { $0[prefix.key] = Entry(name: name, usableUntil: usable) }
    }

    func refuse(_ prefix: Prefix, now: Duration) {
        refused.withLock { $0[prefix.key] = now + .seconds(options.ttlSeconds) }
    }

    func forget(_ prefix: Prefix) {
        _ = entries.withLock { $0.removeValue(forKey: prefix.key) }
    }

    /// The body of `cachedContents.create` for `prefix`.
    func creationBody(for prefix: Prefix, model: String) -> JSONValue {
        [
            "model": .string(GeminiFormat.resourceName(model)),
            "systemInstruction": ["parts": [["text": .string(prefix.system)], ["text": .string(prefix.stable)]]],
            "ttl": .string("\(options.ttlSeconds)s"),
        ]
    }
}

/// A Gemini provider that uses explicit cached contents: creates the cache of a request's stable
/// prefix when there is none, then calls with it (see ``GeminiContextCache``).
struct GeminiCachedContentProvider: ModelProvider {
    let inner: HTTPModelProvider<GeminiFormat>
    let cache: GeminiContextCache

    /// `nil` when `inner`'s format has no explicit cache.
    init?(_ inner: HTTPModelProvider<GeminiFormat>) {
        guard let cache = inner.format.contextCache else { return nil }
        self.inner = inner
        self.cache = cache
    }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await call(request) { try await inner.complete($0) }
    }

    func stream(
        _ request: ChatRequest, onText: @escaping @Sendable (String) async -> Void
    ) async throws -> ChatResponse {
        try await call(request) { try await inner.stream($0, onText: onText) }
    }

    private func call(
        _ request: ChatRequest, _ send: (ChatRequest) async throws -> ChatResponse
    ) async throws -> ChatResponse {
        let settings = inner.settings
        guard let prefix = cache.prefix(of: request, model: settings.model) else { return try await send(request) }
        let timeline = inner.transport.timeline
        if cache.entry(for: prefix, now: timeline.now) == nil, cache.shouldCreate(prefix, now: timeline.now) {
            do {
                let created = try await inner.transport.postJSON(
                    url: settings.baseURL + "/v1beta/cachedContents",
                    body: cache.creationBody(for: prefix, model: settings.model)
                ) {
                    ProviderError(.replyTooLarge, "Gemini's cachedContents answer is too large")
                }
                if let name = created["name"]?.stringValue {
                    cache.store(name, for: prefix, now: timeline.now)
                } else {
                    cache.refuse(prefix, now: timeline.now)
                }
            } catch let error as ProviderError {
                // Too small for the model, not supported, …: implicit caching only, for a while. A
                // network failure is the call's to meet (and retry).
                if error.code != .timeout && error.code != .connection { cache.refuse(prefix, now: timeline.now) }
            }
        }
        do {
            return try await send(request)
        } catch let error as ProviderError
            where [403, 404].contains(error.httpStatus ?? 0) && cache.entry(for: prefix, now: timeline.now) != nil
        {
            // The cache is gone (deleted, or expired early): without it, and recreated next turn.
            cache.forget(prefix)
            return try await send(request)
        }
    }
}
