import Dispatch
import Foundation
import LemmingCore
import LemmingJSON
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The file work of a headline run done by a minimal program (issue 16 §3): the floor that the
/// engine's time is measured against.
///
/// The work is read from an org a headline run left (its entry files, memory files, turn lines,
/// state files, state history lines and engine log lines, grouped by the commit that wrote them),
/// before anything is timed, and done again into a new folder on the same disk with the same
/// system calls as the store (`FileOrgStore.commit`, `Journal.apply`, `EventLog.flush`), per tick:
///
/// 1. the journal record (every operation's header line and content) appended and `fdatasync`ed;
/// 2. its files on two threads, as the store's writer splits a large record: each entry written to
///    a temporary file and renamed into place, each memory and state file rewritten in place
///    (`pwrite`, `ftruncate`), each turn line and the state history line appended;
/// 3. the tick's events appended to `logs/engine.jsonl`;
/// 4. every 16 commits (the start counts as one) a checkpoint: `syncfs`, the journal cut to 0.
///
/// Nothing else: no JSON is built, nothing is parsed, no prompt exists. Folders are made before
/// the clock starts (the engine's org makes them at its first write).
struct FloorWork {
    /// One file operation of a commit.
    enum Operation {
        case create(path: String, content: [UInt8])
        case replace(path: String, content: [UInt8])
        case append(path: String, content: [UInt8])

        var path: String {
            switch self {
            case .create(let path, _), .replace(let path, _), .append(let path, _): return path
            }
        }

        var content: [UInt8] {
            switch self {
            case .create(_, let content), .replace(_, let content), .append(_, let content): return content
            }
        }
    }

    /// One tick's commit: its journal record, its files split in two halves, its events.
    struct Commit {
        var record: [UInt8]
        var halves: [[Operation]]
        var events: [UInt8]
    }

    var commits: [Commit]
    /// The folders the files go to, relative to the org.
    var folders: [String]
    /// Files, relative to the org, rewritten in place by the first commit: present before it.
    var stateFiles: [String]
    var bytes: Int {
        commits.reduce(0) {
            $0 + $1.record.count + $1.events.count + $1.halves.joined().reduce(0) { $0 + $1.content.count }
        }
    }

    /// Reads what the run in `root` wrote, tick by tick.
    ///
    /// Memory and state files exist only as the last tick left them: each tick rewrites them with
    /// that content (the sizes differ by a few digits at most). The events of the engine's start
    /// go with the first tick's (they are written with its commit when the engine's log flushes).
    static func load(from root: String) throws -> FloorWork {
        let paths = OrgPaths(root: root)
        let agents = try (FileSystem.list(paths.agents) ?? []).filter {
            Names.isValidAgentName($0) && $0 != Names.human
        }
        .sorted()
        var entries: [Int: [Operation]] = [:]
        var memory: [Operation] = []
        var turns: [Int: [Operation]] = [:]
        var folders: Set<String> = [paths.relative(paths.journal), paths.relative(paths.logs)]
        for agent in agents {
            let outbox = paths.outbox(agent)
            folders.insert(paths.relative(outbox))
            for name in try FileSystem.list(outbox) ?? [] {
                guard let id = EntryID(fileName: name, author: agent) else { continue }
                let path = outbox + "/" + name
                entries[id.tick, default: []].append(
                    .create(path: paths.relative(path), content: try FileSystem.read(path)))
            }
            let memoryFolder = paths.memory(agent)
            folders.insert(paths.relative(memoryFolder))
            for name in try FileSystem.list(memoryFolder) ?? [] where name.hasSuffix(".json") {
                let path = memoryFolder + "/" + name
                memory.append(.replace(path: paths.relative(path), content: try FileSystem.read(path)))
            }
            let log = paths.turns(agent)
            folders.insert(paths.relative(FileSystem.parentDirectory(of: log)))
            let bytes = try FileSystem.readIfPresent(log) ?? []
            _ = TurnLogLines.forEachLine(in: bytes[...]) { line, _ in
                let tick = (try? JSONValue.parse(Array(line)))?["tick"]?.intValue ?? 0
                turns[tick, default: []].append(.append(path: paths.relative(log), content: Array(line) + [0x0A]))
            }
        }
        var state: [Operation] = []
        for path in [paths.ledger, paths.cursors, paths.agentStates] {
            if let bytes = try FileSystem.readIfPresent(path) {
                state.append(.replace(path: paths.relative(path), content: bytes))
            }
        }
        let tickState = try FileSystem.read(paths.tick)
        var history: [[UInt8]] = []
        _ = TurnLogLines.forEachLine(in: (try FileSystem.readIfPresent(root + "/" + StateHistory.file) ?? [])[...]) {
            line, _ in history.append(Array(line) + [0x0A])
        }
        var events: [Int: [UInt8]] = [:]
        _ = TurnLogLines.forEachLine(in: (try FileSystem.readIfPresent(paths.engineLog) ?? [])[...]) { line, _ in
            let tick = (try? JSONValue.parse(Array(line)))?["tick"]?.intValue ?? 0
            events[tick, default: []] += Array(line) + [0x0A]
        }
        let ticks = entries.keys.sorted()
        var commits: [Commit] = []
        for (index, tick) in ticks.enumerated() {
            var operations = entries[tick] ?? []
            operations += memory
            operations += (turns[tick] ?? [])
            operations += state
            // The history's first line is its base (the engine's start); then one per commit.
            if index + 1 < history.count {
                operations.append(.append(path: StateHistory.file, content: history[index + 1]))
            }
            operations.append(.replace(path: paths.relative(paths.tick), content: tickState))
            var halves: [[Operation]] = [[], []]
            for (number, operation) in operations.enumerated() { halves[number % 2].append(operation) }
            commits.append(
                Commit(record: journalRecord(tick: tick, operations), halves: halves, events: events[tick] ?? []))
        }
        let stateFiles = state.map(\.path) + [paths.relative(paths.tick)]
        return FloorWork(commits: commits, folders: folders.sorted(), stateFiles: stateFiles)
    }

    /// A journal record as the store writes one (`Journal.record`): a header line, then each
    /// operation's header line and its content.
    private static func journalRecord(tick: Int, _ operations: [Operation]) -> [UInt8] {
        var body: [UInt8] = []
        for operation in operations {
            let name: String
            switch operation {
            case .create: name = "create"
            case .replace: name = "replace"
            case .append: name = "append"
            }
            let base = name == "append" ? #","base":0"# : ""
            body += Array(
                #"{"op":"\#(name)","path":"\#(operation.path)"\#(base),"length":\#(operation.content.count)}"#.utf8)
            body.append(0x0A)
            body += operation.content
            body.append(0x0A)
        }
        return Array("LMJ1 \(tick) tick \(operations.count) \(body.count) 0123456789abcdef\n".utf8) + body
    }

    /// Does the work into `root` (made, with its folders and state files, before timing).
    ///
    /// - Returns: seconds the commits took.
    func run(into root: String) throws -> Double {
        for folder in folders { try FileSystem.makeDirectory(root + "/" + folder) }
        for file in stateFiles { try FileSystem.overwrite([], at: root + "/" + file) }
        let journal = root + "/state/journal/journal.log"
        try FileSystem.appendDurably([UInt8](), to: journal)
        try FileSystem.syncDirectory(root + "/state/journal")
        let engineLog = root + "/logs/engine.jsonl"
        let clock = ContinuousClock()
        let start = clock.now
        // The engine's start was commit 1.
        var commitsSinceCheckpoint = 1
        for commit in commits {
            try FileSystem.appendDurably(commit.record, to: journal)
            try Self.apply(commit.halves, root: root)
            if !commit.events.isEmpty { try FileSystem.append(commit.events, to: engineLog) }
            commitsSinceCheckpoint += 1
            if commitsSinceCheckpoint >= 16 {
                try FileSystem.syncFileSystem(containing: root)
                try FileSystem.truncate(journal, to: 0)
                commitsSinceCheckpoint = 0
            }
        }
        return seconds(clock.now - start)
    }

    private static func apply(_ halves: [[Operation]], root: String) throws {
        let failures = Mutex<[any Error]>([])
        DispatchQueue.concurrentPerform(iterations: halves.count) { half in
            do {
                for operation in halves[half] {
                    let path = root + "/" + operation.path
                    switch operation {
                    case .create(_, let content): try FileSystem.writeAtomically(content, to: path)
                    case .replace(_, let content): try FileSystem.overwrite(content, at: path)
                    case .append(_, let content): try FileSystem.append(content, to: path)
                    }
                }
            } catch {
                failures.withLock { $0.append(error) }
            }
        }
        if let failure = failures.withLock({ $0.first }) { throw failure }
    }
}
