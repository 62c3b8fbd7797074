import LemmingCore
import LemmingJSON
import Synchronization

/// Appends recorded calls to one cassette file, whole lines only, each flushed to disk before the
/// call's reply is used.
///
/// - Whole lines: each line is one `write` of the complete line on a file opened for appending,
///   under a lock shared by every provider of the process that records to this file (the turns of
///   a tick finish concurrently), then `fdatasync`. Lines of one tick are in the order their calls
///   finished.
/// - A torn tail (a crash in the middle of a write) is cut off before the first new line is
///   written, so no line is ever glued to a broken one.
/// - No line twice: the first line recorded for an agent and tick that the file already had when
///   this writer opened it (a turn run again after a crash, or a forked org running a tick again)
///   replaces the lines it had for them, by rewriting the file atomically (a new file, synced, then
///   renamed over the old one). Later calls for the same agent and tick in this process append.
///   So a rerun leaves the reply the org actually committed, once.
public final class CassetteWriter: Sendable {
    /// The absolute path.
    public let path: String
    /// The path as the user wrote it, for errors.
    public let file: String
    /// `nil` until the first line is written: the keys the file had then and not yet replaced.
    private let inherited = Mutex<Set<Cassette.Key>?>(nil)

    public init(path: String, file: String) {
        self.path = path
        self.file = file
    }

    /// Writes `line` durably.
    ///
    /// - Throws: ``LemmingError`` `.io` when the file cannot be read or written.
    public func record(_ line: CassetteLine) throws {
        let key = Cassette.Key(agent: line.agent, tick: line.tick)
        try inherited.withLock { inherited in
            do {
                var keys = try inherited ?? open()
                if keys.contains(key) {
                    try replace(key, with: line.bytes)
                    keys.remove(key)
                } else if try FileSystem.appendDurably(line.bytes, to: path) {
                    try FileSystem.syncDirectory(FileSystem.parentDirectory(of: path))
                }
                inherited = keys
            } catch {
                // A write that failed may have left part of a line: look at the file again next time.
                inherited = nil
                throw error
            }
        }
    }

    /// Prepares the file for appending: makes its folder, cuts a torn tail, and returns the keys of
    /// its lines.
    private func open() throws -> Set<Cassette.Key> {
        try FileSystem.makeDirectory(FileSystem.parentDirectory(of: path))
        guard let bytes = try FileSystem.readIfPresent(path), !bytes.isEmpty else { return [] }
        if bytes.last != 0x0A {
            let end = bytes.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            try FileSystem.truncate(path, to: end)
        }
        var keys: Set<Cassette.Key> = []
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            if let key = Self.key(of: line) { keys.insert(key) }
        }
        return keys
    }

    /// Rewrites the file without the lines of `key`, with `line` at the end.
    private func replace(_ key: Cassette.Key, with line: [UInt8]) throws {
        let bytes = try FileSystem.readIfPresent(path) ?? []
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count + line.count)
        for existing in bytes.split(separator: 0x0A) where Self.key(of: existing) != key {
            kept.append(contentsOf: existing)
            kept.append(0x0A)
        }
        kept.append(contentsOf: line)
        try FileSystem.writeAtomically(kept, to: path, sync: true)
        try FileSystem.syncDirectory(FileSystem.parentDirectory(of: path))
    }

    private static func key(of line: ArraySlice<UInt8>) -> Cassette.Key? {
        guard let value = try? JSONValue.parse(Array(line)), let agent = value["agent"]?.stringValue,
            let tick = value["tick"]?.intValue
        else { return nil }
        return Cassette.Key(agent: agent, tick: tick)
    }
}

/// The cassette writers of a process, one per file, so that every provider recording to a file
/// shares its lock and its memory of what the file held.
public final class CassetteWriters: Sendable {
    private let writers = Mutex<[String: CassetteWriter]>([:])

    public init() {}

    /// The writer of the file at `path` (absolute); `file` is its name for errors.
    public func writer(path: String, file: String) -> CassetteWriter {
        writers.withLock { writers in
            if let writer = writers[path] { return writer }
            let writer = CassetteWriter(path: path, file: file)
            writers[path] = writer
            return writer
        }
    }
}
