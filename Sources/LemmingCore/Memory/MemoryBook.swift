import LemmingJSON

/// An agent's memory: every key with its record, and the rules that change it.
public struct MemoryBook: Sendable, Equatable {
    /// The records by key.
    public private(set) var records: [String: MemoryRecord] = [:]
    private var sizes: [String: Int] = [:]
    /// The sum of the values' sizes in bytes (``MemoryRecord/valueSize``), counted against `memory.max_agent_bytes`.
    public private(set) var totalBytes = 0

    /// An empty memory.
    public init() {}

    /// A memory holding `records` (a later record of the same key wins).
    public init(records: [MemoryRecord]) {
        for record in records { store(record) }
    }

    /// The record of `key`, or `nil`.
    public subscript(key: String) -> MemoryRecord? { records[key] }
    /// How many keys it holds.
    public var count: Int { records.count }

    /// Records by most recent update first (then by key), as the prompt shows them.
    public var mostRecentFirst: [MemoryRecord] {
        records.values.sorted {
            $0.updatedTick != $1.updatedTick ? $0.updatedTick > $1.updatedTick : Names.precedes($0.key, $1.key)
        }
    }

    /// What an update did.
    public enum Change: Sendable, Equatable {
        /// The key now holds this record.
        case stored(MemoryRecord)
        /// This key was deleted.
        case deleted(String)
        /// Nothing changed (deleting a key that does not exist).
        case unchanged
    }

    /// Why an update was refused: the message becomes a contract violation.
    public struct Refusal: Error, Sendable, Equatable {
        /// The violation code: `memory_merge_type`, `memory_value_too_large` or `memory_full`.
        public var code: String
        /// Why, in words the agent is shown.
        public var message: String
    }

    /// Applies one update under the caps.
    ///
    /// - Throws: ``Refusal`` for a merge into a non-object, a non-object merge value, or a value
    ///   or total that would exceed the limits; the book is unchanged then.
    public mutating func apply(
        key: String,
        operation: MemoryOperation,
        value: JSONValue,
        tick: Int,
        timestamp: String,
        limits: OrgConfig.MemoryLimits
    ) throws(Refusal) -> Change {
        let current = records[key]
        let newValue: JSONValue
        switch operation {
        case .delete:
            guard current != nil else { return .unchanged }
            remove(key)
            return .deleted(key)
        case .set:
            newValue = value
        case .append:
            switch current?.value {
            case nil, .null?: newValue = .array([value])
            case .array(let list)?: newValue = .array(list + [value])
            case let other?: newValue = .array([other, value])
            }
        case .merge:
            guard case .object(let addition) = value else {
                throw Refusal(
                    code: "memory_merge_type", message: "merge needs an object value (got \(value.typeDescription))")
            }
            switch current?.value {
            case nil, .null?:
                newValue = .object(addition)
            case .object(var merged)?:
                for (member, memberValue) in addition { merged[member] = memberValue }
                newValue = .object(merged)
            case let other?:
                throw Refusal(
                    code: "memory_merge_type",
                    message: "cannot merge into '\(key)', whose value is \(other.typeDescription), not an object")
            }
        }
        let record = MemoryRecord(
            key: key, value: newValue, updatedTick: tick, updatedAt: timestamp, operation: operation)
        let size = record.valueSize
        guard size <= limits.maxValueBytes else {
            throw Refusal(
                code: "memory_value_too_large",
                message: "value of '\(key)' would be \(size) bytes; the limit is \(limits.maxValueBytes)")
        }
        let newTotal = totalBytes - (sizes[key] ?? 0) + size
        guard newTotal <= limits.maxAgentBytes else {
            throw Refusal(
                code: "memory_full",
                message: "memory would hold \(newTotal) bytes; the limit per agent is \(limits.maxAgentBytes)")
        }
        guard current != nil || records.count < limits.maxKeys else {
            throw Refusal(code: "memory_full", message: "memory already holds the maximum of \(limits.maxKeys) keys")
        }
        store(record, size: size)
        return .stored(record)
    }

    private mutating func store(_ record: MemoryRecord, size: Int? = nil) {
        let size = size ?? record.valueSize
        totalBytes += size - (sizes[record.key] ?? 0)
        sizes[record.key] = size
        records[record.key] = record
    }

    private mutating func remove(_ key: String) {
        totalBytes -= sizes[key] ?? 0
        sizes[key] = nil
        records[key] = nil
    }
}
