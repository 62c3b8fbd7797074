import Foundation
import LemmingCore
import LemmingJSON
import LemmingProviders

/// A generated org for the benchmarks.
struct BenchOrg {
    let root: String

    /// `agents` agents in a ring, each reading the `reads` agents before it and the human; the
    /// scripted model gives every agent, every tick, one message and one memory update.
    static func make(in directory: String, agents: Int, reads: Int) throws -> BenchOrg {
        try make(at: directory + "/lemming-bench-" + UUID().uuidString.lowercased(), agents: agents, reads: reads)
    }

    /// The same org in the folder `root`.
    static func make(at root: String, agents: Int, reads: Int) throws -> BenchOrg {
        let paths = OrgPaths(root: root)
        let writer = JSONWriter(style: .pretty)
        try FileSystem.makeDirectory(paths.outbox(Names.human))
        let names = (0..<agents).map { "agent_\(String(format: "%05d", $0))" }
        for (index, name) in names.enumerated() {
            let sources = (1...max(reads, 1)).prefix(reads).map { names[(index - $0 + agents) % agents] }
            let resume: JSONValue = [
                "name": .string(name), "title": "Worker", "short_description": "A benchmark agent.",
                "instructions": "Report progress to your readers every tick.", "model": ["key": "bench"],
                "permissions": ["read_outboxes": .strings(sources + ["human"])],
                "schedule": ["run_every_n_ticks": 1], "credits": ["max_credits": 1_000_000.0],
            ]
            try FileSystem.makeDirectory(paths.agent(name))
            try FileSystem.writeAtomically(writer.bytes(resume), to: paths.resume(name))
        }
        var replies: [UInt8] = []
        let compact = JSONWriter(style: .compact)
        for name in names {
            // One line per agent, used for every tick; the text differs per agent.
            let reply: JSONValue = [
                "outbox_entries": [["kind": "report", "payload": ["text": .string("\(name): progress as planned.")]]],
                "memory_updates": [["key": "status", "op": "set", "value": "working"]],
                "notes": "reported",
            ]
            compact.write(["agent": .string(name), "reply": reply], into: &replies)
            replies.append(0x0A)
        }
        try FileSystem.writeAtomically(replies, to: root + "/replies.jsonl")
        let models: JSONValue = [
            "bench": [
                "provider": "scripted", "replies": "replies.jsonl", "price_in_per_mtok": 0.15,
                "price_out_per_mtok": 0.6,
            ]
        ]
        try FileSystem.writeAtomically(writer.bytes(models), to: paths.models)
        let config: JSONValue = [
            "format": 1, "name": "bench", "execution": "parallel", "max_concurrent_turns": 100,
            "loop_detection": ["repeat_limit": 0],
            // The API benchmark reads far more than a client is allowed by default.
            "server": ["rate_limits": ["reads_per_minute": 1_000_000]],
        ]
        try FileSystem.writeAtomically(writer.bytes(config), to: paths.config)
        return BenchOrg(root: root)
    }

    /// Opens an engine, runs `ticks` ticks, closes it.
    ///
    /// - Returns: seconds to open (lock, recovery, load), seconds per tick, entries written.
    func measure(ticks: Int, recordsHistory: Bool = true) async throws -> (Double, [Double], Int) {
        let clock = ContinuousClock()
        let start = clock.now
        var configuration = Engine.Configuration(
            root: root, providers: ProviderFactory(environment: [:]), clock: SystemWallClock(), writesFilesBehind: true)
        configuration.recordsHistory = recordsHistory
        let engine = try await Engine.open(configuration)
        let open = seconds(clock.now - start)
        var durations: [Double] = []
        var entries = 0
        // Back to back, as `lemming run --ticks N` runs them: each tick's files are written while
        // the next tick runs; the last tick's files are written (and timed) at the end.
        for number in 0..<ticks {
            let tickStart = clock.now
            let report = try await engine.runTick()
            if number == ticks - 1 { try await engine.flush() }
            durations.append(seconds(clock.now - tickStart))
            entries += report.entriesWritten
        }
        await engine.close()
        return (open, durations, entries)
    }

    func entryCount() -> Int {
        let paths = OrgPaths(root: root)
        return ((try? FileSystem.list(paths.agents)) ?? []).reduce(0) {
            $0 + (((try? FileSystem.list(paths.outbox($1))) ?? [])?.count ?? 0)
        }
    }

    /// The bytes of every file of the org (the search index aside).
    func bytesOnDisk() -> Int {
        func size(_ path: String) -> Int {
            guard let info = FileSystem.info(path) else { return 0 }
            guard info.isDirectory else { return info.size }
            return ((try? FileSystem.list(path)) ?? [])?.reduce(0) { $0 + size(path + "/" + $1) } ?? 0
        }
        return size(root)
    }

    func remove() { try? FileSystem.removeTree(root) }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
