import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// The offline embedder: deterministic feature hashing whose cosine ranks texts that share words
/// above texts that do not.
struct ScriptedEmbedderTests {
    let embedder = ScriptedEmbedder()

    @Test func vectorsAreDeterministicUnitLengthAndLowerCased() async throws {
        let first = try await embedder.embed(["Draft the LOGIN page", "draft the login page", ""])
        let again = try await ScriptedEmbedder().embed(["Draft the LOGIN page", "draft the login page", ""])
        #expect(first == again)
        #expect(first.vectors[0] == first.vectors[1])
        #expect(first.dimension == 256)
        let length = first.vectors[0].reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(length - 1) < 1e-5)
        #expect(first.vectors[2] == [Float](repeating: 0, count: 256))
        #expect(first.model == "feature-hashing-256")
        #expect(first.usage.isEstimated)
        #expect(first.usage.inputTokens == TokenEstimator.tokens(in: "Draft the LOGIN page") * 2)
    }

    /// The hash is FNV-1a, the same on every machine and run (Swift's `Hasher` is seeded per
    /// process, so it would not do).
    @Test func theHashIsFNV1a() {
        #expect(ScriptedEmbedder.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(ScriptedEmbedder.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(ScriptedEmbedder.fnv1a("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func wordsAreRunsOfLettersAndDigits() {
        #expect(ScriptedEmbedder.words(in: "Login-page v2: ÉTÉ!") == ["login", "page", "v2", "été"])
    }

    @Test func textsThatShareWordsScoreHigherByCosine() async throws {
        let texts = [
            "Draft the spec for the login page",
            "The login page spec needs a draft by Friday",
            "Quarterly budget numbers for finance",
            "The logins page",
        ]
        let vectors = try await embedder.embed(texts).vectors
        let cosine = Embeddings.cosineSimilarity
        #expect(cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.3)
        #expect(cosine(vectors[3], vectors[0]) > cosine(vectors[3], vectors[2]))
        #expect(abs(cosine(vectors[0], vectors[0]) - 1) < 1e-5)
    }

    @Test(arguments: [1, 8, 1024])
    func theDimensionIsTheEntrys(dimensions: Int) async throws {
        let embeddings = try await ScriptedEmbedder(dimensions: dimensions).embed(["one two three"])
        #expect(embeddings.dimension == dimensions)
    }

    @Test func cosineSimilarityOfEdgeCases() {
        let cosine = Embeddings.cosineSimilarity
        #expect(cosine([1, 0], [0, 1]) == 0)
        #expect(cosine([1, 2], [2, 4]) == 1)
        #expect(cosine([1, 0], [-3, 0]) == -1)
        #expect(cosine([1, 0], [1, 0, 0]) == 0)
        #expect(cosine([0, 0], [1, 0]) == 0)
    }
}
