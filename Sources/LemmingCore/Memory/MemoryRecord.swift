import LemmingJSON

/// How a memory update changes a key (DESIGN §4.3).
public enum MemoryOperation: String, Sendable, CaseIterable {
    /// Replace the value.
    case set
    /// Make the value a list (wrapping a non-list) and append to it.
    case append
    /// Shallow-merge an object into the current object.
    case merge
    /// Remove the key.
    case delete
}

/// One memory key of an agent: `agents/<name>/memory/<key>.json`.
public struct MemoryRecord: Sendable, Equatable {
    /// The key, `^[a-zA-Z0-9_-]{1,128}$`; also the file name (`<key>.json`).
    public var key: String
    /// The value: any JSON (a list after `append`, an object after `merge`).
    public var value: JSONValue
    /// The tick of the last change (`updated_tick`).
    public var updatedTick: Int
    /// When it last changed: ISO 8601 UTC (`updated_at`).
    public var updatedAt: String
    /// The operation of the last change (`op`).
    public var operation: MemoryOperation

    /// A record of `key` holding `value`, last changed by `operation` in `updatedTick` at `updatedAt`.
    public init(key: String, value: JSONValue, updatedTick: Int, updatedAt: String, operation: MemoryOperation) {
        self.key = key
        self.value = value
        self.updatedTick = updatedTick
        self.updatedAt = updatedAt
        self.operation = operation
    }

    /// The file's document: `{"key", "value", "updated_tick", "updated_at", "op"}` (DESIGN §4.3).
    public var json: JSONValue {
        [
            "key": .string(key), "value": value, "updated_tick": .int(updatedTick), "updated_at": .string(updatedAt),
            "op": .string(operation.rawValue),
        ]
    }

    /// Reads a memory file's document.
    ///
    /// - Parameters:
    ///   - value: the file's JSON document.
    ///   - file: the path shown in errors.
    /// - Throws: ``LemmingError`` (`.invalidFile`) when the document has no valid `key`.
    public init(json value: JSONValue, file: String) throws {
        guard let object = value.objectValue, let key = object["key"]?.stringValue, Names.isValidMemoryKey(key) else {
            throw LemmingError(.invalidFile, "must be a memory record with a valid key", path: file)
        }
        self.init(
            key: key,
            value: object["value"] ?? .null,
            updatedTick: object["updated_tick"]?.intValue ?? 0,
            updatedAt: object["updated_at"]?.stringValue ?? "",
            operation: object["op"]?.stringValue.flatMap(MemoryOperation.init(rawValue:)) ?? .set
        )
    }

    /// The size this value counts for against the caps: its compact JSON bytes.
    public var valueSize: Int { JSONWriter(style: .compact).bytes(value).count }
}
