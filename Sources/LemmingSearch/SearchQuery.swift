import LemmingCore
import LemmingJSON

/// A search of the index: FTS5 text and filters (issue 13; SQLite FTS5 query syntax,
/// https://sqlite.org/fts5.html#full_text_query_syntax).
public struct SearchQuery: Sendable, Equatable {
    /// How results are ordered.
    public enum Order: String, Sendable, CaseIterable {
        /// Best match first (FTS5 `bm25`), then newest. Of a query matching more than 2,000
        /// documents, the newest 2,000 are ranked (bm25 scores every document it ranks: a word in
        /// most of a million documents would take a second); the total still counts every match.
        case relevance
        /// Newest first: by tick, then by the order they were committed in.
        case time
    }

    /// FTS5 query text: words, "phrases", prefix*, AND / OR / NOT, NEAR(…). `nil` lists the
    /// documents that pass the filters, newest first.
    public var text: String?
    public var sources: Set<SearchSource> = Set(SearchSource.allCases)
    /// Authors (entries), owners (memory) or the agents whose turns they are.
    public var agents: Set<String>?
    /// Entry kinds; for turn records, stop reasons; for memory, the last operation.
    public var kinds: Set<String>?
    /// Entries whose `recipients` name this agent.
    public var recipient: String?
    public var thread: String?
    public var replyTo: String?
    /// Entries with any of these tags.
    public var tags: Set<String>?
    public var priorities: Set<Priority>?
    public var fromTick: Int?
    public var toTick: Int?
    /// Whether archived entries are included.
    public var includesArchived = true
    public var order: Order = .relevance
    /// Results per page, 1…1,000.
    public var limit = 50
    /// Where the page starts: a previous page's ``SearchPage/nextCursor``.
    public var cursor: String?
    /// Whether the page carries ``SearchPage/total`` (a count of every match; costs a pass).
    public var counts = true

    public init(_ text: String? = nil) {
        self.text = text
    }
}

/// One result.
public struct SearchHit: Sendable, Equatable {
    public var source: SearchSource
    public var agent: String
    /// The entry id, the memory key, or `<tick>:<byte offset>` of a turn record in the agent's
    /// `logs/turns.jsonl`.
    public var ref: String
    public var kind: String?
    public var tick: Int
    public var thread: String?
    public var replyTo: String?
    public var priority: String?
    public var recipients: [String]?
    public var tags: [String]
    public var archived: Bool
    public var time: String?
    /// Context and matched text alternating: even positions are context, odd positions matches.
    public var snippet: [String]
    /// Relevance (higher is better), when the search had text.
    public var score: Double?

    /// The entry's id, for an entry.
    public var entryID: EntryID? { source == .entries ? EntryID(ref) : nil }

    /// `{"source", "id" | "key" | "offset", "agent", "tick", "kind", …, "snippet", "score"}` as
    /// `GET /api/search` and `lemming search --json` give it.
    public var json: JSONValue {
        var object = JSONObject()
        object["source"] = .string(source.itemName)
        switch source {
        case .entries: object["id"] = .string(ref)
        case .memory: object["key"] = .string(ref)
        case .turns: object["offset"] = ref.split(separator: ":").last.flatMap { Int($0) }.map(JSONValue.int) ?? .null
        }
        object["agent"] = .string(agent)
        object["tick"] = .int(tick)
        object["kind"] = .optional(kind)
        if source == .entries {
            object["recipients"] = recipients.map(JSONValue.strings) ?? .null
            object["thread"] = .optional(thread)
            object["reply_to"] = .optional(replyTo)
            object["priority"] = .optional(priority)
            object["tags"] = .strings(tags)
            object["archived"] = .bool(archived)
        }
        object["time"] = .optional(time)
        object["snippet"] = .strings(snippet)
        object["score"] = score.map(JSONValue.double) ?? .null
        return .object(object)
    }

    /// The snippet as one line, matches between `open` and `close`.
    public func snippetText(open: String = "[", close: String = "]") -> String {
        var text = ""
        for (position, part) in snippet.enumerated() {
            text += position % 2 == 1 ? open + part + close : part
        }
        return text.replacingNewlines()
    }
}

/// A page of results.
public struct SearchPage: Sendable, Equatable {
    public var hits: [SearchHit]
    /// Every match of the query (all pages), when it was asked for.
    public var total: Int?
    /// Where the next page starts; `nil` at the end.
    public var nextCursor: String?
}

extension String {
    func replacingNewlines() -> String {
        String(map { $0 == "\n" || $0 == "\r\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
    }
}

extension SearchPage {
    /// The page as `GET /api/search` and `lemming search --json` give it:
    /// `{"query", "order", "total", "results": [hit…], "next_cursor", "index": {"tick", "behind"}}`.
    public func json(_ query: SearchQuery, freshness: (tick: Int, isBehind: Bool)?) -> JSONValue {
        let text = query.text.flatMap { $0.trimmingWhitespace().isEmpty ? nil : $0 }
        return [
            "query": .optional(text), "order": .string(text == nil ? "time" : query.order.rawValue),
            "total": total.map(JSONValue.int) ?? .null, "results": .array(hits.map(\.json)),
            "next_cursor": .optional(nextCursor),
            "index": freshness.map { ["tick": .int($0.tick), "behind": .bool($0.isBehind)] } ?? .null,
        ]
    }
}

extension SemanticMemory.Result {
    /// A semantic search as `GET /api/search?semantic=true` and `lemming search --semantic --json`
    /// give it: the page's shape, with `semantic` (the ranking) and `embedding` (what it cost).
    public func json(query: String, memory: SemanticMemory, mode: OrgConfig.MemoryRankingMode) -> JSONValue {
        [
            "query": .string(query), "order": "relevance", "semantic": .string(mode.rawValue), "total": .null,
            "results": .array(hits.map(\.json)), "next_cursor": .null,
            "embedding": [
                "model": .string(memory.model), "input_tokens": .int(usage.inputTokens), "cost": .double(cost),
                "records_embedded": .int(embedded),
            ],
        ]
    }
}
