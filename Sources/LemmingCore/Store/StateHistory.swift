import Foundation
import LemmingJSON

/// The org's state history (`state/history.jsonl`, issue 15): one compact line per commit, from
/// which the org as it was after any committed tick can be made again (``OrgMaterializer``).
///
/// The first line is a *base*: the state when the history began (the ledger, cursors and agent
/// runtimes whole, every memory file, each turn log's size, the resumes and settings). Each
/// commit then appends, through its journal record (so the line is as durable as the commit and
/// re-applied by recovery), only what changed:
///
/// ```json
/// {"tick": 7, "label": "tick", "entries": ["agents/a/outbox/00000007-a-01.json"],
///  "moved": [["agents/a/outbox/00000001-a-01.json", "archive/outbox/a/00000001-a-01.json"]],
///  "turns": {"agents/a/logs/turns.jsonl": 48213},
///  "memory": {"agents/a/memory/plan.json": "{…the file…}", "agents/a/memory/old.json": null},
///  "files": {"agents/b/resume.json": "…"}, "resumes": {"agents/c/resume.json": "…"},
///  "ledger": {"a": {"balance": 9.5, "spent": 0.5}}, "cursors": {…}, "runtimes": {…},
///  "tick_state": {"next_tick": 8, "last_committed_tick": 7, …}}
/// ```
///
/// Entries are immutable, so only their paths are kept (the files stay in the outbox or the
/// archive); turn logs only grow, so only their sizes; the ledger, cursors and runtimes as JSON
/// Merge Patches (RFC 7386) of the previous commit's; memory files and resumes whole. The event
/// counter (`next_event_seq`) is left out: a restart publishes events of its own, and nothing but
/// event numbering depends on it.
package struct StateHistory: Sendable {
    /// The history file, relative to the org.
    package static let file = "state/history.jsonl"

    private var ledger: JSONValue?
    private var cursors: JSONValue?
    private var runtimes: JSONValue?
    /// The last tick state recorded, without its time: a commit that changes nothing else (an
    /// engine starting or stopping) makes no line, so a restart leaves the history as it was.
    private var tickState: JSONValue?
    /// The history file's size: where the next line goes.
    package private(set) var size: Int
    /// The resumes, settings and created files as the history last recorded them, by path.
    package private(set) var files: [String: [UInt8]]

    /// A recorder that continues a history of `size` bytes whose last state is the given one.
    init(
        size: Int, files: [String: [UInt8]], ledger: Ledger, cursors: CursorTable, runtimes: AgentRuntimes,
        tickState: TickState
    ) {
        self.size = size
        self.files = files
        self.ledger = ledger.json
        self.cursors = cursors.json
        self.runtimes = runtimes.json
        self.tickState = Self.timeless(tickState)
    }

    /// What the journal record of a commit already made of it, reused for its line.
    struct Written {
        /// Memory files by org-relative path: their bytes, or `nil` when deleted.
        var memory: [(String, [UInt8]?)] = []
        var ledger: JSONValue?
        var cursors: JSONValue?
        var runtimes: JSONValue?
    }

    /// The line of one commit, and the recorder moved past it; `nil` when the commit changed
    /// nothing but the time in `state/tick.json`.
    mutating func line(
        for changes: TickChanges, written: Written, paths: OrgPaths, turnLogSizes: [String: Int]
    ) -> [UInt8]? {
        var line = JSONObject()
        line["tick"] = .int(changes.tick)
        line["label"] = .string(changes.label)
        if !changes.entries.isEmpty {
            line["entries"] = .strings(changes.entries.map { paths.relative(paths.entry($0.id)) })
        }
        if !changes.archived.isEmpty {
            line["moved"] = .array(
                changes.archived.map {
                    .strings([paths.relative(paths.entry($0)), paths.relative(paths.archivedEntry($0))])
                })
        }
        if !turnLogSizes.isEmpty {
            var turns = JSONObject()
            for agent in turnLogSizes.keys.sorted() {
                turns[paths.relative(paths.turns(agent))] = .int(turnLogSizes[agent] ?? 0)
            }
            line["turns"] = .object(turns)
        }
        if !written.memory.isEmpty {
            var memory = JSONObject()
            for (path, bytes) in written.memory { memory[path] = bytes.map(Self.text) ?? .null }
            line["memory"] = .object(memory)
        }
        if !changes.files.isEmpty {
            var files = JSONObject()
            for file in changes.files {
                files[file.path] = Self.text(file.content)
                self.files[file.path] = file.content
            }
            line["files"] = .object(files)
        }
        if !changes.snapshots.isEmpty {
            var snapshots = JSONObject()
            for file in changes.snapshots {
                snapshots[file.path] = Self.text(file.content)
                self.files[file.path] = file.content
            }
            line["resumes"] = .object(snapshots)
        }
        if let ledger = written.ledger {
            if let patch = JSONMergePatch.diff(from: self.ledger, to: ledger) { line["ledger"] = patch }
            self.ledger = ledger
        }
        if let cursors = written.cursors {
            if let patch = JSONMergePatch.diff(from: self.cursors, to: cursors) { line["cursors"] = patch }
            self.cursors = cursors
        }
        if let runtimes = written.runtimes {
            if let patch = JSONMergePatch.diff(from: self.runtimes, to: runtimes) { line["runtimes"] = patch }
            self.runtimes = runtimes
        }
        var changedState = false
        if let tickState = changes.tickState {
            line["tick_state"] = Self.recorded(tickState)
            let timeless = Self.timeless(tickState)
            changedState = timeless != self.tickState
            self.tickState = timeless
        }
        let contentKeys = line.keys.filter { !["tick", "label", "tick_state"].contains($0) }
        guard changedState || !contentKeys.isEmpty else { return nil }
        var bytes = JSONWriter(style: .compact).bytes(.object(line))
        bytes.append(0x0A)
        size += bytes.count
        return bytes
    }

    /// The base line of a history that begins with the org as `snapshot` has it.
    static func base(_ snapshot: OrgSnapshot, paths: OrgPaths) throws -> [UInt8] {
        var line: JSONObject = ["base": true, "tick": .int(snapshot.tick.lastCommittedTick)]
        var turns = JSONObject()
        var memory = JSONObject()
        var resumes = JSONObject()
        for agent in snapshot.agents.keys.sorted(by: Names.precedes) {
            if let size = FileSystem.info(paths.turns(agent))?.size, size > 0 {
                turns[paths.relative(paths.turns(agent))] = .int(size)
            }
            for key in (try FileSystem.list(paths.memory(agent)) ?? []).sorted() where key.hasSuffix(".json") {
                let file = paths.memory(agent) + "/" + key
                if let bytes = try FileSystem.readIfPresent(file) { memory[paths.relative(file)] = text(bytes) }
            }
            if let bytes = readable(paths.resume(agent)) { resumes[paths.relative(paths.resume(agent))] = text(bytes) }
        }
        for file in [paths.config, paths.models] {
            if let bytes = readable(file) { resumes[paths.relative(file)] = text(bytes) }
        }
        line["turns"] = .object(turns)
        line["memory"] = .object(memory)
        line["resumes"] = .object(resumes)
        line["ledger"] = snapshot.ledger.json
        line["cursors"] = snapshot.cursors.json
        line["runtimes"] = snapshot.runtimes.json
        line["tick_state"] = recorded(snapshot.tick)
        var bytes = JSONWriter(style: .compact).bytes(.object(line))
        bytes.append(0x0A)
        return bytes
    }

    /// A tick state without its time and event counter, to tell whether a commit changed it.
    private static func timeless(_ tickState: TickState) -> JSONValue {
        guard var object = recorded(tickState).objectValue else { return tickState.json }
        object["updated_at"] = nil
        return .object(object)
    }

    /// The bytes of a regular file of at most 4 MiB (a resume that is a folder or too large is the
    /// validator's to report, not the history's to record).
    private static func readable(_ path: String) -> [UInt8]? {
        guard let info = FileSystem.info(path), info.isRegularFile, info.size <= 4_194_304 else { return nil }
        return try? FileSystem.read(path)
    }

    /// A tick state as the history keeps it: without the event counter.
    private static func recorded(_ tickState: TickState) -> JSONValue {
        guard var object = tickState.json.objectValue else { return tickState.json }
        object["next_event_seq"] = nil
        return .object(object)
    }

    /// A file's bytes as a JSON value: its text when it is UTF-8 (every file the engine writes),
    /// else `{"base64": "…"}`.
    static func text(_ bytes: [UInt8]) -> JSONValue {
        let text = String(decoding: bytes, as: UTF8.self)
        if Array(text.utf8) == bytes { return .string(text) }
        return ["base64": .string(Data(bytes).base64EncodedString())]
    }

    /// The bytes ``text(_:)`` made a value of, or `nil` when it is neither form.
    static func bytes(_ value: JSONValue) -> [UInt8]? {
        if let text = value.stringValue { return Array(text.utf8) }
        guard let encoded = value["base64"]?.stringValue, let data = Data(base64Encoded: encoded) else { return nil }
        return [UInt8](data)
    }
}
