import LemmingJSON
import Synchronization

/// The outcomes of the tick in progress, recorded durably as each completes:
/// `state/journal/outcomes.jsonl` (DESIGN §5.6, "a crash must not re-pay or re-do").
///
/// One JSON object per line, each written with one `write` and flushed (`fdatasync`) before the
/// outcome is used: a model reply (or failure) as soon as the call returns, a tool's result as soon
/// as the tool ran. When a crash interrupts the tick, the engine reads these back on restart and
/// re-stages them instead of calling the model or running the tool again.
///
///     {"tick":7,"agent":"coder","type":"reply","request":"<hash>","response":{…}}
///     {"tick":7,"agent":"coder","type":"tool","key":"call/0","result":{…},"effects":[…]}
///
/// Only the records of the tick that did not commit matter; older ones are ignored and the file is
/// emptied when the next tick begins. A torn last line (a crash mid-write) is ignored.
/// Thread-safe: the turns of a tick record concurrently.
package final class OutcomeLog: Sendable {
    let path: String
    /// Serialises appends (and their syncs).
    private let appending = Mutex(())

    package init(path: String) {
        self.path = path
    }

    /// The records of `tick` in the file, in order (an earlier attempt at that tick was
    /// interrupted), without changing the file.
    package func records(of tick: Int) -> [JSONValue] {
        guard let bytes = try? FileSystem.readIfPresent(path), !bytes.isEmpty else { return [] }
        var records: [JSONValue] = []
        for line in bytes.split(separator: 0x0A) {
            guard let record = try? JSONValue.parse(Array(line)), record["tick"]?.intValue == tick else { continue }
            records.append(record)
        }
        return records
    }

    /// Starts the records of `tick`: returns those an interrupted attempt at the same tick left,
    /// and forgets the records of any other tick.
    ///
    /// - Throws: ``LemmingError`` `.io` when the file cannot be emptied.
    package func begin(tick: Int) throws -> [JSONValue] {
        guard let bytes = try FileSystem.readIfPresent(path), !bytes.isEmpty else { return [] }
        let records = records(of: tick)
        if records.isEmpty { try FileSystem.truncate(path, to: 0) }
        return records
    }

    /// Appends one record and flushes it to disk.
    ///
    /// - Throws: ``LemmingError`` `.io` when it cannot be written.
    package func append(_ record: JSONValue) throws {
        var line = JSONWriter(style: .compact).bytes(record)
        line.append(0x0A)
        try appending.withLock { _ in
            if try FileSystem.appendDurably(line, to: path) {
                try FileSystem.syncDirectory(FileSystem.parentDirectory(of: path))
            }
        }
    }
}
