import LemmingJSON

/// The engine's position: `state/tick.json`.
///
/// Writing this file with `last_committed_tick = t` is the commit mark of tick `t`.
public struct TickState: Sendable, Equatable {
    /// The tick the next ``Engine/runTick()`` runs (ticks start at 1; `next_tick`).
    public var nextTick = 1
    /// The last tick committed (`last_committed_tick`); 0 before the first.
    public var lastCommittedTick = 0
    /// The sequence number the next engine event will carry.
    public var nextEventSequence = 1
    /// The whole engine is paused: ticks do not run, control commands still apply.
    public var isPaused = false
    /// When the file was last written (ISO 8601 UTC, `updated_at`); `nil` in a new org.
    public var updatedAt: String?

    /// The state of a new org: tick 1 next, nothing committed, not paused.
    public init() {}

    /// The content of `state/tick.json` (`format`, `next_tick`, `last_committed_tick`, `next_event_seq`, `paused`,
    /// `updated_at`).
    public var json: JSONValue {
        var object = JSONObject()
        object["format"] = 1
        object["next_tick"] = .int(nextTick)
        object["last_committed_tick"] = .int(lastCommittedTick)
        object["next_event_seq"] = .int(nextEventSequence)
        object["paused"] = .bool(isPaused)
        object["updated_at"] = .optional(updatedAt)
        return .object(object)
    }

    /// Reads `state/tick.json`.
    ///
    /// - Parameters:
    ///   - value: the file's JSON document.
    ///   - file: the path shown in errors.
    /// - Throws: ``LemmingError`` `.invalidFile` without an integer `next_tick` ≥ 1, `.unsupportedFormat` when `format`
    ///   is newer than 1.
    public init(json value: JSONValue, file: String) throws {
        guard let object = value.objectValue, let next = object["next_tick"]?.intValue, next >= 1 else {
            throw LemmingError(.invalidFile, "must be an object with an integer next_tick ≥ 1", path: file)
        }
        if let format = object["format"]?.intValue, format > 1 {
            throw LemmingError(.unsupportedFormat, "was written by a newer LeMMing (format \(format))", path: file)
        }
        nextTick = next
        lastCommittedTick = object["last_committed_tick"]?.intValue ?? next - 1
        nextEventSequence = max(object["next_event_seq"]?.intValue ?? 1, 1)
        isPaused = object["paused"]?.boolValue ?? false
        updatedAt = object["updated_at"]?.stringValue
    }
}
