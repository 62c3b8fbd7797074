import LemmingJSON

/// How far a reader has read one source's outbox.
///
/// Every entry up to and including ``after`` has been shown or was not addressed to the reader;
/// ``seen`` lists entries past it that were shown out of order (urgent entries jump the queue).
public struct ReadCursor: Sendable, Equatable {
    /// The last entry passed in order; `nil`: nothing of the source read yet.
    public var after: EntryID?
    /// Entries after ``after`` already shown out of order, ascending.
    public var seen: [EntryID]

    /// A cursor at `after` with `seen` shown beyond it (default: at the start).
    public init(after: EntryID? = nil, seen: [EntryID] = []) {
        self.after = after
        self.seen = seen
    }

    /// Whether the reader still has `id` to read.
    public func isUnread(_ id: EntryID) -> Bool {
        if let after, id <= after { return false }
        return !seen.contains(id)
    }

    /// `{"after": id or null, "seen": [id, …]}` (`seen` only when not empty).
    public var json: JSONValue {
        var object = JSONObject()
        object["after"] = .optional(after?.text)
        if !seen.isEmpty { object["seen"] = .strings(seen.map(\.text)) }
        return .object(object)
    }

    init?(json value: JSONValue) {
        guard let object = value.objectValue else { return nil }
        after = object["after"]?.stringValue.flatMap { EntryID($0) }
        seen = object["seen"]?.arrayValue?.compactMap { $0.stringValue.flatMap { EntryID($0) } } ?? []
    }
}

/// Every reader's cursors: `state/cursors.json` = `{reader: {source: cursor}}`.
public struct CursorTable: Sendable, Equatable {
    /// Cursors by reader, then by source (the author read).
    public var positions: [String: [String: ReadCursor]] = [:]

    /// No cursors: every reader at the start of every source.
    public init() {}

    /// `reader`'s cursor in `source`'s outbox (at the start when it has none).
    public func cursor(reader: String, source: String) -> ReadCursor {
        positions[reader]?[source] ?? ReadCursor()
    }

    /// The content of `state/cursors.json`.
    public var json: JSONValue {
        var object = JSONObject()
        for reader in positions.keys.sorted(by: Names.precedes) {
            var sources = JSONObject()
            let table = positions[reader] ?? [:]
            for source in table.keys.sorted(by: Names.precedes) { sources[source] = table[source]?.json }
            object[reader] = .object(sources)
        }
        return .object(object)
    }

    /// Reads `state/cursors.json`.
    ///
    /// - Parameters:
    ///   - value: the file's JSON document.
    ///   - file: the path shown in errors.
    /// - Throws: ``LemmingError`` (`.invalidFile`) when the document or a reader's entry is not an object.
    public init(json value: JSONValue, file: String) throws {
        guard let object = value.objectValue else {
            throw LemmingError(.invalidFile, "must be a JSON object", path: file)
        }
        for (reader, sources) in object {
            guard let sourceObject = sources.objectValue else {
                throw LemmingError(.invalidFile, "must be an object", path: file, field: reader)
            }
            var table: [String: ReadCursor] = [:]
            for (source, cursor) in sourceObject {
                guard let parsed = ReadCursor(json: cursor) else {
                    throw LemmingError(
                        .invalidFile, "must be a cursor object", path: file, field: "\(reader).\(source)")
                }
                table[source] = parsed
            }
            positions[reader] = table
        }
    }
}
