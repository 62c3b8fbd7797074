import LemmingCore
import LemmingJSON

/// What the index holds: outbox entries (live and archived), memory records and turn records.
public enum SearchSource: String, Sendable, CaseIterable, Hashable, Comparable {
    case entries
    case memory
    case turns

    /// The number stored in the `documents.source` column.
    var code: Int {
        switch self {
        case .entries: 0
        case .memory: 1
        case .turns: 2
        }
    }

    init?(code: Int) {
        switch code {
        case 0: self = .entries
        case 1: self = .memory
        case 2: self = .turns
        default: return nil
        }
    }

    /// One item's source in results: `entry`, `memory` or `turn`.
    public var itemName: String {
        switch self {
        case .entries: "entry"
        case .memory: "memory"
        case .turns: "turn"
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.code < rhs.code }
}

/// One searchable item as the index stores it: its fields for filters and its text for FTS5.
struct SearchDocument: Sendable, Equatable {
    /// Text past this many UTF-8 bytes is not indexed (a 1 MB tool output is not one document).
    static let maximumBodyBytes = 32 * 1024
    /// What a turn record contributes of each tool result's output.
    static let maximumToolOutputBytes = 2 * 1024

    var source: SearchSource
    var agent: String
    /// The entry id, the memory key, or `<tick>:<byte offset>` of a turn record in `turns.jsonl`.
    var ref: String
    /// The entry's kind, the turn's stop reason, the memory record's last operation.
    var kind: String?
    var tick: Int
    var thread: String?
    var replyTo: String?
    var priority: String?
    var recipients: [String]?
    var tags: [String] = []
    var archived = false
    var time: String?
    var body: String

    init(entry: OutboxEntry, archived: Bool) {
        source = .entries
        agent = entry.author
        ref = entry.id.text
        kind = entry.kind
        tick = entry.tick
        thread = entry.thread
        replyTo = entry.replyTo
        priority = entry.priority.rawValue
        recipients = entry.recipients
        tags = entry.tags
        self.archived = archived
        time = entry.createdAt
        body = Self.clean(entry.text)
    }

    init(memory record: MemoryRecord, agent: String) {
        source = .memory
        self.agent = agent
        ref = record.key
        kind = record.operation.rawValue
        tick = record.updatedTick
        time = record.updatedAt
        let value = record.value.stringValue ?? record.value.compactText
        body = Self.clean(record.key + "\n" + value)
    }

    /// A line of `turns.jsonl` (DESIGN §5.7): its notes, stop reason, error, tool calls, violations
    /// and tool results. The prompt and the reply's entries are not repeated here (entries are
    /// documents of their own). `nil` when the line is not a turn record.
    init?(turn line: JSONValue, agent: String, offset: Int) {
        guard let tick = line["tick"]?.intValue else { return nil }
        let parsed = line["parsed"]
        self.init(
            turnAt: tick, agent: agent, offset: offset, stopReason: line["stop_reason"]?.stringValue,
            startedAt: line["started_at"]?.stringValue, error: line["error"]?.stringValue,
            notes: parsed?["notes"]?.stringValue,
            toolCalls: (parsed?["tool_calls"]?.arrayValue ?? []).map {
                ($0["tool"]?.stringValue ?? "tool", $0["args"]?.compactText ?? "")
            },
            violations: (line["violations"]?.arrayValue ?? []).map {
                ($0["code"]?.stringValue ?? "", $0["message"]?.stringValue ?? "")
            },
            toolResults: (line["tool_results"]?.arrayValue ?? []).map {
                ($0["tool"]?.stringValue ?? "tool", $0["output"]?.stringValue ?? "", $0["error"]?.stringValue)
            })
    }

    /// The same document from a turn as an engine in process hands it over: the line's values,
    /// not parsed back (the body is the same text).
    init(turn summary: TurnSummary, agent: String, offset: Int) {
        self.init(
            turnAt: summary.tick, agent: agent, offset: offset, stopReason: summary.stopReason.rawValue,
            startedAt: summary.startedAt, error: summary.error, notes: summary.reply?.notes,
            toolCalls: (summary.reply?.toolCalls ?? []).map { ($0.tool, JSONValue.object($0.arguments).compactText) },
            violations: summary.violations.map { ($0.code, $0.message) },
            toolResults: summary.toolResults.map { ($0.tool, $0.output, $0.error) })
    }

    private init(
        turnAt tick: Int, agent: String, offset: Int, stopReason: String?, startedAt: String?, error: String?,
        notes: String?, toolCalls: [(name: String, arguments: String)], violations: [(code: String, message: String)],
        toolResults: [(tool: String, output: String, error: String?)]
    ) {
        source = .turns
        self.agent = agent
        ref = "\(tick):\(offset)"
        kind = stopReason
        self.tick = tick
        time = startedAt
        var parts: [String] = []
        if let stopReason { parts.append(stopReason) }
        if let error { parts.append(error) }
        if let notes { parts.append(notes) }
        for call in toolCalls { parts.append(call.name + " " + call.arguments) }
        for violation in violations { parts.append(violation.code + " " + violation.message) }
        for result in toolResults {
            var part = result.tool + ": " + result.output.prefix(utf8Bytes: Self.maximumToolOutputBytes)
            if let error = result.error { part += " " + error }
            parts.append(part)
        }
        body = Self.clean(parts.joined(separator: "\n"))
    }

    /// The facet tokens of the document (``SearchSchema/facets(_:)``: FTS5 deletes with that
    /// expression's value, so this must be the same text).
    var facets: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 + 2 * (agent.utf8.count + (thread?.utf8.count ?? 0) + (replyTo?.utf8.count ?? 0)))
        bytes += "__s\(source.code)".utf8
        SearchIndex.Plan.appendFacet("a", agent, to: &bytes)
        for (letter, value) in [("k", kind), ("p", priority), ("h", thread), ("y", replyTo)] {
            if let value { SearchIndex.Plan.appendFacet(letter, value, to: &bytes) }
        }
        for recipient in recipients ?? [] { SearchIndex.Plan.appendFacet("r", recipient, to: &bytes) }
        for tag in tags { SearchIndex.Plan.appendFacet("t", tag, to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The body as stored: without the snippet markers (so a match is never faked) and capped.
    static func clean(_ text: String) -> String {
        var text = text.prefix(utf8Bytes: maximumBodyBytes)
        if text.utf8.contains(where: { $0 == SearchIndex.matchStart || $0 == SearchIndex.matchEnd }) {
            text = String(text.unicodeScalars.filter { $0.value != 2 && $0.value != 3 }.map(Character.init))
        }
        return text
    }
}
