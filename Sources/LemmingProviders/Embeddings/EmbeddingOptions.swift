import LemmingCore
import LemmingJSON

/// The embedding fields of a `models.json` entry, beside the HTTP ones (``HTTPSettings``).
public struct EmbeddingOptions: Sendable, Equatable {
    /// How many texts go in one request (`embedding_batch_size`): at most the API's limit,
    /// ``defaultBatchSize`` unless set.
    public var batchSize: Int
    /// The length of the vectors asked for (`embedding_dimensions`); `nil`: the model's own.
    /// OpenAI's `text-embedding-3` models, Gemini's and some Ollama models can shorten theirs.
    public var dimensions: Int?

    /// A batch of 100 texts: Gemini's limit, and the vectors of 100 texts of the largest common
    /// models (3,072 numbers each) stay well under the 16 MiB a response may hold.
    public static let defaultBatchSize = 100

    public init(batchSize: Int = defaultBatchSize, dimensions: Int? = nil) {
        self.batchSize = batchSize
        self.dimensions = dimensions
    }

    /// Reads an entry.
    ///
    /// - Parameter maxBatchSize: the API's limit of texts per request.
    /// - Throws: ``LemmingError`` naming the `models.json` field out of range.
    public init(entry: ModelEntry, maxBatchSize: Int) throws {
        func integer(_ field: String, in range: ClosedRange<Int>) throws -> Int? {
            guard let value = entry.document[field], !value.isNull else { return nil }
            guard let number = value.intValue, range.contains(number) else {
                throw LemmingError(
                    .invalidFile, "must be an integer from \(range.lowerBound) to \(range.upperBound)",
                    path: "models.json", field: "\(entry.key).\(field)")
            }
            return number
        }
        let batchSize = try integer("embedding_batch_size", in: 1...maxBatchSize)
        self.init(
            batchSize: batchSize ?? min(Self.defaultBatchSize, maxBatchSize),
            dimensions: try integer("embedding_dimensions", in: 1...65_536))
    }
}
