import LemmingCore
import LemmingJSON

/// One provider's embeddings API: how a batch of texts becomes an HTTP request, and how the
/// answer becomes vectors. It extends the provider's chat ``WireFormat``, whose name, headers (the
/// key) and error bodies it shares.
public protocol EmbeddingFormat: WireFormat {
    /// The most texts one request may carry (the API's limit).
    var maxBatchSize: Int { get }

    /// The URL of an embeddings call.
    func embeddingsURL(settings: HTTPSettings) -> String

    /// The JSON body that embeds `texts`, in order.
    ///
    /// - Parameter dimensions: the vectors' length asked for (`embedding_dimensions`), `nil` for
    ///   the model's own.
    func embeddingsBody(for texts: [String], settings: HTTPSettings, dimensions: Int?) -> JSONValue

    /// The vectors in a response body, in the order of the texts.
    ///
    /// - Throws: ``ProviderError`` (`invalid_response`) when the body is not an answer of the
    ///   format or a vector is not a list of finite numbers.
    func parseEmbeddings(_ body: JSONValue) throws -> EmbeddingsReply
}

/// What an embeddings response holds.
public struct EmbeddingsReply: Sendable, Equatable {
    public var vectors: [[Float]]
    /// The input tokens the provider reported, if it did.
    public var inputTokens: Int?
    /// The model the provider says made the vectors, if it says.
    public var model: String?

    public init(vectors: [[Float]], inputTokens: Int? = nil, model: String? = nil) {
        self.vectors = vectors
        self.inputTokens = inputTokens
        self.model = model
    }
}

extension EmbeddingFormat {
    /// A vector: a non-empty array of finite numbers.
    ///
    /// - Parameter position: which vector, for the message (from 0).
    /// - Throws: ``ProviderError`` (`invalid_response`).
    func vector(_ value: JSONValue?, position: Int) throws -> [Float] {
        guard let elements = value?.arrayValue, !elements.isEmpty else {
            throw ProviderError(.invalidResponse, "\(name) answered without a vector for text \(position + 1)")
        }
        var vector: [Float] = []
        vector.reserveCapacity(elements.count)
        for element in elements {
            guard let number = element.doubleValue, number.isFinite else {
                throw ProviderError(
                    .invalidResponse, "\(name) answered a vector for text \(position + 1) that holds a non-number")
            }
            vector.append(Float(number))
        }
        return vector
    }

    /// The error of a body without the list of vectors the format puts in `field`.
    func missing(_ field: String) -> ProviderError {
        ProviderError(.invalidResponse, "\(name) answered without \(field)")
    }
}
