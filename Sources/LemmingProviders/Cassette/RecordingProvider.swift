import LemmingCore

/// Records every completed call of a provider to a cassette (`"record": "cassettes/NAME.jsonl"` on
/// a `models.json` entry): the decorator ``ProviderFactory`` puts around the entry's provider
/// (its fallback chain included) when the entry says `record`.
///
/// A call that returned is recorded with its reply as the provider returned it; a call that
/// failed with a ``ProviderError`` with its code and message; a cancelled call is not recorded
/// (its tick is abandoned and runs again). The line is on disk before the reply is handed on;
/// when it cannot be written the call fails (`cassette_write`, the provider's usage kept so the
/// tokens are still charged) rather than leave a hole in the recording.
///
/// No secret is recorded: the line holds the request's messages and parameters and the reply,
/// never a URL, header or environment variable, and any occurrence of a value in ``secrets`` (the
/// API keys the factory read for this entry) in the reply or an error is replaced by
/// `[redacted]`.
public struct RecordingProvider: ModelProvider {
    public let inner: any ModelProvider
    public let writer: CassetteWriter
    public let modelKey: String
    public let model: String
    /// Values that must never reach the file.
    public let secrets: [String]

    public init(inner: any ModelProvider, writer: CassetteWriter, modelKey: String, model: String, secrets: [String]) {
        self.inner = inner
        self.writer = writer
        self.modelKey = modelKey
        self.model = model
        // Short values would blank ordinary words; real keys are long.
        self.secrets = secrets.filter { $0.count >= 8 }
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await recording(request) { try await inner.complete(request) }
    }

    public func stream(
        _ request: ChatRequest, onText: @escaping @Sendable (String) async -> Void
    ) async throws -> ChatResponse {
        try await recording(request) { try await inner.stream(request, onText: onText) }
    }

    private func recording(
        _ request: ChatRequest, _ call: () async throws -> ChatResponse
    ) async throws -> ChatResponse {
        let outcome: Result<ChatResponse, CassetteLine.RecordedFailure>
        var thrown: ProviderError?
        do {
            let response = try await call()
            outcome = .success(redacted(response))
        } catch let error as ProviderError {
            thrown = error
            outcome = .failure(
                .init(
                    code: error.code.name, message: redacted(error.message), usage: error.usage,
                    httpStatus: error.httpStatus))
        }
        let line = CassetteLine(
            agent: request.agent, tick: request.tick, modelKey: modelKey, model: model,
            request: RequestFingerprint(request), outcome: outcome)
        do {
            try writer.record(line)
        } catch {
            let usage: TokenUsage?
            switch outcome {
            case .success(let response): usage = response.usage
            case .failure(let failure): usage = failure.usage
            }
            throw ProviderError(
                .cassetteWrite, "the call could not be recorded to \(writer.file): \(error)", usage: usage)
        }
        if let thrown { throw thrown }
        return try outcome.get()
    }

    private func redacted(_ text: String) -> String {
        secrets.reduce(text) { $0.replacing($1, with: "[redacted]") }
    }

    private func redacted(_ response: ChatResponse) -> ChatResponse {
        guard !secrets.isEmpty else { return response }
        var response = response
        response.text = redacted(response.text)
        response.reasoning = response.reasoning.map(redacted)
        response.refusal = response.refusal.map(redacted)
        return response
    }
}

extension ProviderError.Code {
    /// A `record`ing entry could not write its cassette.
    public static let cassetteWrite = Self("cassette_write")
    /// A `cassette` model has no recorded call for the request (none for the agent and tick, or,
    /// in strict mode, none whose request is the same).
    public static let cassetteMismatch = Self("cassette_mismatch")
}
