import Foundation
import LemmingCore
import LemmingJSON
import LemmingProviders

/// A scratch org in a temporary directory, for tests. Remove it with ``remove()``.
public struct TemporaryOrg: Sendable {
    public let root: String
    public var paths: OrgPaths { OrgPaths(root: root) }

    /// The org at `root` (made elsewhere: a fork, an import), to use and remove like one made here.
    public init(root: String) {
        self.root = root
    }

    /// The instant every test clock reads: 2026-01-01T00:00:00Z.
    public static let fixedTime = Date(timeIntervalSince1970: 1_767_225_600)
    public static let fixedClock = FixedWallClock(fixedTime)

    /// Creates an org with `agents`, a `scripted` model `sim` (with the given script, else the
    /// simulation), and `lemming.json` with `config` merged over the test defaults.
    public static func make(
        agents: [TestAgent],
        replies: [ScriptLine]? = nil,
        config: JSONObject = [:],
        models: JSONObject? = nil
    ) throws -> TemporaryOrg {
        let root = NSTemporaryDirectory() + "lemming-test-" + UUID().uuidString.lowercased()
        let org = TemporaryOrg(root: root)
        try FileSystem.makeDirectory(root)
        var settings: JSONObject = ["format": 1, "name": "test", "tick_period_seconds": 0]
        for (key, value) in config { settings[key] = value }
        var sim: JSONObject = ["provider": "scripted", "price_in_per_mtok": 1.0, "price_out_per_mtok": 2.0]
        if let replies {
            sim["replies"] = "replies.jsonl"
            try org.writeReplies(replies)
        }
        try org.write("models.json", .object(models ?? ["sim": .object(sim)]))
        for agent in agents { try org.add(agent) }
        try FileSystem.makeDirectory(org.paths.outbox(Names.human))
        try org.write("lemming.json", .object(settings))
        return org
    }

    /// Writes a JSON document at an org-relative path.
    public func write(_ relativePath: String, _ value: JSONValue) throws {
        try writeBytes(relativePath, JSONWriter(style: .pretty).bytes(value))
    }

    public func writeBytes(_ relativePath: String, _ bytes: [UInt8]) throws {
        let path = paths.absolute(relativePath)
        try FileSystem.makeDirectory(FileSystem.parentDirectory(of: path))
        try FileSystem.writeAtomically(bytes, to: path)
    }

    public func writeReplies(_ lines: [ScriptLine]) throws {
        try writeBytes("replies.jsonl", Array(lines.map(\.text).joined(separator: "\n").utf8) + [0x0A])
    }

    public func add(_ agent: TestAgent) throws {
        try write("agents/\(agent.name)/resume.json", agent.resume)
    }

    public func read(_ relativePath: String) throws -> [UInt8]? {
        try FileSystem.readIfPresent(paths.absolute(relativePath))
    }

    public func readJSON(_ relativePath: String) throws -> JSONValue? {
        try read(relativePath).map { try JSONValue.parse($0) }
    }

    /// Every entry of an agent's outbox, in id order.
    public func entries(of agent: String) throws -> [OutboxEntry] {
        let store = FileOrgStore(paths: paths)
        let names = try FileSystem.list(paths.outbox(agent)) ?? []
        return try names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.compactMap { EntryID($0.dropLast(5)) }
            .sorted().map { try store.readEntry($0).get() }
    }

    /// The lines of an agent's turn records, parsed.
    public func turnRecords(of agent: String) throws -> [JSONValue] {
        guard let bytes = try read("agents/\(agent)/logs/turns.jsonl") else { return [] }
        return try bytes.split(separator: 0x0A).map { try JSONValue.parse(Array($0)) }
    }

    /// Every file of the org by relative path, but the search index (derived, and not
    /// byte-identical between equal runs: SQLite lays out pages as it goes) and `excluded`.
    public func files(excluding excluded: [String] = []) throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        func walk(_ relative: String) throws {
            let absolute = relative.isEmpty ? root : paths.absolute(relative)
            for name in try FileSystem.list(absolute) ?? [] {
                let child = relative.isEmpty ? name : relative + "/" + name
                if excluded.contains(where: { child == $0 || child.hasPrefix($0 + "/") }) { continue }
                if child.hasPrefix("state/search.sqlite") { continue }
                if FileSystem.info(paths.absolute(child))?.isDirectory == true {
                    try walk(child)
                } else {
                    result[child] = try FileSystem.read(paths.absolute(child))
                }
            }
        }
        try walk("")
        return result
    }

    /// An engine on this org with a fixed clock and this build's providers.
    public func engine(
        clock: any WallClock = TemporaryOrg.fixedClock,
        tools: any ToolFactory = NoTools(),
        sinks: [any EventSink] = [],
        providers: (any ModelProviderFactory)? = nil,
        writesFilesBehind: Bool = false
    ) async throws -> Engine {
        try await Engine.open(
            Engine.Configuration(
                root: root, providers: providers ?? ProviderFactory(environment: TestSandbox.environment()),
                clock: clock, tools: tools, sinks: sinks, writesFilesBehind: writesFilesBehind))
    }

    /// Runs `ticks` ticks on a fresh engine of this org and closes it, also when a tick throws.
    @discardableResult
    public func run(
        ticks: Int, tools: any ToolFactory = NoTools(), sinks: [any EventSink] = []
    ) async throws
        -> [TickReport]
    {
        let open = { try await self.engine(tools: tools, sinks: sinks) }
        return try await Engine.withEngine(opening: open) { engine in
            var reports: [TickReport] = []
            for _ in 0..<ticks { reports.append(try await engine.runTick()) }
            return reports
        }
    }

    /// Copies the org to a new temporary directory.
    public func copy() throws -> TemporaryOrg {
        let other = TemporaryOrg(root: NSTemporaryDirectory() + "lemming-test-" + UUID().uuidString.lowercased())
        for (path, bytes) in try files(excluding: ["state/engine.lock"]) {
            try other.writeBytes(path, bytes)
        }
        try FileSystem.makeDirectory(other.paths.outbox(Names.human))
        return other
    }

    public func remove() {
        try? FileSystem.removeTree(root)
    }
}

/// An agent of a test org.
public struct TestAgent: Sendable {
    public var name: String
    public var reads: [String]
    public var every: Int
    public var offset: Int
    public var model: String
    public var maxCredits: Double
    public var softCap: Double?
    public var extra: JSONObject

    public init(
        _ name: String,
        reads: [String] = [],
        every: Int = 1,
        offset: Int = 0,
        model: String = "sim",
        maxCredits: Double = 1000,
        softCap: Double? = nil,
        extra: JSONObject = [:]
    ) {
        self.name = name
        self.reads = reads
        self.every = every
        self.offset = offset
        self.model = model
        self.maxCredits = maxCredits
        self.softCap = softCap
        self.extra = extra
    }

    public var resume: JSONValue {
        var credits: JSONObject = ["max_credits": .double(maxCredits)]
        if let softCap { credits["soft_cap"] = .double(softCap) }
        var object: JSONObject = [
            "name": .string(name), "title": .string("Agent \(name)"), "short_description": "A test agent.",
            "instructions": "Do what the test says.", "model": ["key": .string(model)],
            "permissions": ["read_outboxes": .strings(reads)],
            "schedule": ["run_every_n_ticks": .int(every), "phase_offset": .int(offset)], "credits": .object(credits),
        ]
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }
}

/// One line of a `scripted` model's replies file.
public struct ScriptLine: Sendable {
    public var agent: String
    public var tick: Int?
    public var reply: JSONValue

    public init(_ agent: String, tick: Int? = nil, _ reply: JSONValue) {
        self.agent = agent
        self.tick = tick
        self.reply = reply
    }

    /// A reply that posts one message (optionally to given agents).
    public static func message(_ agent: String, tick: Int? = nil, _ text: String, to: [String]? = nil) -> ScriptLine {
        var entry: JSONObject = ["kind": "message", "payload": ["text": .string(text)]]
        if let to { entry["to"] = .strings(to) }
        return ScriptLine(agent, tick: tick, ["outbox_entries": [.object(entry)]])
    }

    public var text: String {
        var object: JSONObject = ["agent": .string(agent)]
        if let tick { object["tick"] = .int(tick) }
        object["reply"] = reply
        return JSONValue.object(object).compactText
    }
}
