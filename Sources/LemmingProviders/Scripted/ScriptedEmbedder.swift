import LemmingCore

/// The offline embedder (`{"provider": "scripted"}`): deterministic vectors made without a model,
/// so that tests and orgs without a network can use semantic memory.
///
/// It hashes features of a text into `dimensions` numbers ("feature hashing", the hashing trick):
/// each word, lower-cased (a word is a run of letters and digits), counts 1, and each of its
/// character trigrams, the word framed as `<word>`, counts 0.5, so that `login` and `logins` are
/// near. A feature's slot and sign come from its 64-bit FNV-1a hash (the same on every machine
/// and every run). The vector is scaled to length 1; a text without words is all zeros. Texts
/// that share words score higher by cosine than texts that do not; it knows no synonyms.
///
/// `embedding_dimensions` sets the length (default 256); usage is estimated from the texts'
/// length; the model is named `feature-hashing-{dimensions}`.
public struct ScriptedEmbedder: EmbeddingProvider {
    public static let defaultDimensions = 256

    public let dimensions: Int

    public init(dimensions: Int = defaultDimensions) {
        self.dimensions = max(dimensions, 1)
    }

    /// The model name of the vectors.
    public var model: String { "feature-hashing-\(dimensions)" }

    public func embed(_ texts: [String]) async throws -> Embeddings {
        let tokens = texts.reduce(0) { $0 + TokenEstimator.tokens(in: $1) }
        return Embeddings(
            vectors: texts.map(vector), usage: TokenUsage(inputTokens: tokens, outputTokens: 0, isEstimated: true),
            model: model)
    }

    /// The vector of one text.
    public func vector(_ text: String) -> [Float] {
        var vector = [Float](repeating: 0, count: dimensions)
        for word in Self.words(in: text) {
            add(word, weight: 1, to: &vector)
            let framed = Array("<" + word + ">")
            for start in 0..<max(framed.count - 2, 0) {
                add("#" + String(framed[start..<start + 3]), weight: 0.5, to: &vector)
            }
        }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return vector }
        return vector.map { $0 / norm }
    }

    private func add(_ feature: String, weight: Float, to vector: inout [Float]) {
        let hash = Self.fnv1a(feature)
        let slot = Int(hash % UInt64(dimensions))
        vector[slot] += hash >> 63 == 0 ? weight : -weight
    }

    /// The lower-cased runs of letters and digits of `text`.
    static func words(in text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// The 64-bit FNV-1a hash of the UTF-8 bytes of `text`.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
