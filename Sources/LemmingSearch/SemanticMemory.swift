import Foundation
import GRDB
import LemmingCore

/// Memory ranked by meaning: the embeddings of memory records, kept in the search index beside
/// the text they were made of, and a query's embedding compared with them by cosine similarity.
///
/// Records are embedded when first searched (and again once their text changed), in one call per
/// search for all that lack a vector of the model, so an org that never searches memory never
/// pays for embeddings. The vectors are derived data like the rest of the index: deleting the
/// index only costs embedding them again.
public struct SemanticMemory: Sendable {
    public let index: SearchIndex
    public let embedder: any EmbeddingProvider
    /// The model key (`search.embeddings`), stored with each vector: vectors of another model
    /// are made again.
    public let model: String
    public let pricing: Pricing

    public init(index: SearchIndex, embedder: any EmbeddingProvider, model: String, pricing: Pricing) {
        self.index = index
        self.embedder = embedder
        self.model = model
        self.pricing = pricing
    }

    /// A record and how close it is to the query.
    public struct Match: Sendable, Equatable {
        public var agent: String
        public var key: String
        /// Cosine similarity, -1…1.
        public var similarity: Double
    }

    /// What a semantic ranking found and what its embedding calls cost.
    public struct Ranking: Sendable, Equatable {
        public var matches: [Match]
        public var usage: TokenUsage
        public var cost: Double
        /// Records embedded for this search (they lacked a vector of the model).
        public var embedded: Int
    }

    /// Ranks the memory of `agents` (all agents when `nil`) by similarity to `query`.
    ///
    /// - Throws: ``ProviderError`` when an embedding call fails; ``LemmingError`` `.io` when the
    ///   index cannot be read or written. Calls that succeeded before a failure are in the
    ///   error's usage, when the provider reports it.
    public func rank(_ query: String, agents: Set<String>?, limit: Int) async throws -> Ranking {
        let records = try index.memoryVectors(agents: agents, model: model)
        let stale = records.filter { $0.vector == nil }
        var texts = [query]
        texts += stale.map(\.body)
        let embeddings = try await embedder.embed(texts)
        guard embeddings.vectors.count == texts.count, let queryVector = embeddings.vectors.first else {
            throw ProviderError(
                .invalidResponse,
                "the embedding model returned \(embeddings.vectors.count) vectors for \(texts.count) texts")
        }
        var fresh: [Int64: [Float]] = [:]
        for (record, vector) in zip(stale, embeddings.vectors.dropFirst()) { fresh[record.document] = vector }
        try index.storeVectors(
            stale.compactMap { record in fresh[record.document].map { (record.document, record.bodyHash, $0) } },
            model: model)
        var matches: [Match] = []
        for record in records {
            guard let vector = record.vector ?? fresh[record.document] else { continue }
            let similarity = Double(Embeddings.cosineSimilarity(queryVector, vector))
            matches.append(Match(agent: record.agent, key: record.key, similarity: similarity))
        }
        matches.sort { ($0.similarity, $1.agent, $1.key) > ($1.similarity, $0.agent, $0.key) }
        return Ranking(
            matches: Array(matches.prefix(limit)), usage: embeddings.usage, cost: embeddings.cost(at: pricing),
            embedded: stale.count)
    }
}

extension SearchIndex {
    /// A memory record of the index with its vector of `model`, if it has a current one.
    struct MemoryVector {
        var document: Int64
        var agent: String
        var key: String
        var body: String
        var bodyHash: Int64
        var vector: [Float]?
    }

    func memoryVectors(agents: Set<String>?, model: String) throws -> [MemoryVector] {
        try withDatabase { pool in
            try pool.read { db in
                var sql = """
                    SELECT d.id, d.agent, d.ref, d.body, v.model, v.body_hash, v.vector
                    FROM documents d LEFT JOIN vectors v ON v.document = d.id
                    WHERE d.source = 1
                    """
                var arguments: [DatabaseValue] = []
                if let agents {
                    sql += " AND d.agent IN (\(Array(repeating: "?", count: agents.count).joined(separator: ", ")))"
                    arguments = agents.sorted().map(\.databaseValue)
                }
                sql += " ORDER BY d.agent, d.ref"
                return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                    let body: String = row["body"]
                    let hash = Self.bodyHash(body)
                    let storedModel: String? = row["model"]
                    let storedHash: Int64? = row["body_hash"]
                    let blob: Data? = row["vector"]
                    let current = storedModel == model && storedHash == hash
                    return MemoryVector(
                        document: row["id"], agent: row["agent"], key: row["ref"], body: body, bodyHash: hash,
                        vector: current ? blob.map(Self.floats) : nil)
                }
            }
        }
    }

    func storeVectors(_ vectors: [(document: Int64, bodyHash: Int64, vector: [Float])], model: String) throws {
        guard !vectors.isEmpty else { return }
        try withDatabase { pool in
            try pool.write { db in
                let statement = try db.cachedStatement(
                    sql: """
                        INSERT OR REPLACE INTO vectors (document, model, body_hash, vector)
                        SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM documents WHERE id = ?)
                        """)
                for (document, hash, vector) in vectors {
                    try statement.execute(arguments: [document, model, hash, Self.blob(vector), document])
                }
            }
        }
    }

    static func bodyHash(_ body: String) -> Int64 {
        var hash = FNV1a.offsetBasis
        FNV1a.hash(body.utf8, into: &hash)
        return Int64(bitPattern: hash)
    }

    /// Little-endian 32-bit floats.
    static func blob(_ vector: [Float]) -> Data {
        var data = Data(capacity: vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    static func floats(_ data: Data) -> [Float] {
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count - 3, by: 4).map { offset in
            var bits: UInt32 = 0
            for shift in 0..<4 { bits |= UInt32(bytes[offset + shift]) << (8 * shift) }
            return Float(bitPattern: bits)
        }
    }
}

extension SemanticMemory {
    /// A search of memory by meaning, for `lemming search --semantic` and `GET /api/search`
    /// (`semantic=true`): cosine similarity alone, or fused with bm25 over the same records.
    public struct Result: Sendable, Equatable {
        public var hits: [SearchHit]
        public var usage: TokenUsage
        public var cost: Double
        public var embedded: Int
    }

    /// - Throws: as ``rank(_:agents:limit:)``.
    public func search(
        _ query: String, agents: Set<String>?, limit: Int, mode: OrgConfig.MemoryRankingMode
    ) async throws -> Result {
        let ranking = try await rank(query, agents: agents, limit: max(limit, 50))
        var ordered = ranking.matches.map { MemoryKey(agent: $0.agent, key: $0.key) }
        var scores: [MemoryKey: Double] = [:]
        for match in ranking.matches { scores[MemoryKey(agent: match.agent, key: match.key)] = match.similarity }
        if mode == .hybrid {
            let bm25 = try IndexedMemoryRanking.bm25(query, agents: agents, limit: max(limit, 50), index: index)
                .map { MemoryKey(agent: $0.agent, key: $0.ref) }
            let fused = IndexedMemoryRanking.fuse(
                [ordered.map(\.text), bm25.map(\.text)], limit: max(limit, 50))
            let byText = Dictionary((ordered + bm25).map { ($0.text, $0) }, uniquingKeysWith: { a, _ in a })
            ordered = fused.compactMap { byText[$0] }
        }
        let hits = try index.memoryHits(Array(ordered.prefix(limit))).map { hit in
            var hit = hit
            hit.score = scores[MemoryKey(agent: hit.agent, key: hit.ref)]
            return hit
        }
        return Result(hits: hits, usage: ranking.usage, cost: ranking.cost, embedded: ranking.embedded)
    }

    struct MemoryKey: Hashable {
        var agent: String
        var key: String
        var text: String { agent + "/" + key }
    }
}

extension SearchIndex {
    /// Memory records as search hits (their text's start as the snippet), in the order given.
    func memoryHits(_ keys: [SemanticMemory.MemoryKey]) throws -> [SearchHit] {
        try withDatabase { pool in
            try pool.read { db in
                keys.compactMap { key in
                    guard
                        let row = try? Row.fetchOne(
                            db,
                            sql: """
                                SELECT agent, ref, kind, tick, time, substr(body, 1, \(Self.previewCharacters)) AS preview
                                FROM documents WHERE source = 1 AND agent = ? AND ref = ?
                                """, arguments: [key.agent, key.key])
                    else { return nil }
                    return SearchHit(
                        source: .memory, agent: row["agent"], ref: row["ref"], kind: row["kind"], tick: row["tick"],
                        thread: nil, replyTo: nil, priority: nil, recipients: nil, tags: [], archived: false,
                        time: row["time"], snippet: [row["preview"] ?? ""], score: nil)
                }
            }
        }
    }
}
