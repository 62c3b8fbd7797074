import LemmingCore

/// What a generated history holds, decided before any file is written: every entry's author,
/// tick, kind, recipients, tags, priority and thread, every turn and memory update. Made in one
/// pass in tick order from one seed, so that replies point at earlier entries of agents their
/// author reads; the texts are drawn later, per entry, from seeds derived from its number.
struct HistoryPlan: Sendable {
    static let kinds = ["message", "report", "request", "response", "status"]
    static let kindWeights = [0.40, 0.25, 0.15, 0.12, 0.08]
    static let priorities: [Priority] = [.normal, .low, .urgent]
    static let priorityWeights = [0.80, 0.12, 0.08]
    /// Agents read the `reads` agents before them in a ring (as `BenchOrg` sets them up).
    static let reads = 3

    struct Entry: Sendable {
        var author: Int32
        var tick: Int32
        var sequence: UInt8
        var kind: UInt8
        var priority: UInt8
        /// Bit i: the i-th reader of the author (author + 1 + i); 0: no recipients (everyone).
        var recipients: UInt8
        /// Up to two tags, each its index + 1; 0 for none.
        var firstTag: UInt8
        var secondTag: UInt8
        var replyTo: Int32
        var thread: Int32
    }

    struct Turn: Sendable {
        enum Outcome: UInt8, Sendable {
            case completed
            case violation
            case providerFailed
        }

        var tick: Int32
        /// The author's entries of this turn: `entries[agent][firstEntry..<firstEntry + entryCount]`.
        var firstEntry: Int32
        var entryCount: UInt8
        var outcome: Outcome
        /// The tool called (its index + 1), 0 for none.
        var tool: UInt8
        /// Memory keys updated (index + 1), 0 for none.
        var firstKey: UInt8
        var secondKey: UInt8
    }

    /// The last update of an agent's memory key.
    struct Memory: Sendable {
        var key: Int
        var tick: Int32
        var updates: Int
    }

    let agents: [String]
    let seed: UInt64
    /// Every entry, in the order written (tick, then author, then sequence).
    private(set) var entries: [Entry] = []
    /// The numbers in `entries` of each agent's entries, oldest first.
    private(set) var entriesByAgent: [[Int32]]
    private(set) var turnsByAgent: [[Turn]]
    private(set) var memoryByAgent: [[Memory]] = []
    private(set) var lastTick = 0
    /// Entries of ticks before this one are in `archive/outbox/`.
    private(set) var archiveBefore: Int?
    /// The engine events such a run would have committed.
    private(set) var events = 0

    static let tools = ["memory_search", "http_get", "shell", "calculator", "read_file"]

    init(agents: [String], entries total: Int, archivedFraction: Double, seed: UInt64) {
        self.agents = agents
        self.seed = seed
        let count = agents.count
        entriesByAgent = Array(repeating: [], count: count)
        turnsByAgent = Array(repeating: [], count: count)
        var memory = Array(repeating: [Int: Memory](), count: count)
        entries.reserveCapacity(total)
        var random = SplitMix64(seed: seed)
        let quotas = (0..<count).map { total / count + ($0 < total % count ? 1 : 0) }
        let keys = ZipfDistribution(count: Vocabulary.memoryKeys.count, offset: 1)
        let tags = ZipfDistribution(count: Vocabulary.tags.count, offset: 1)
        var ticksWithEntries: [Bool] = [false]
        var tick: Int32 = 0
        while entries.count < total {
            tick += 1
            ticksWithEntries.append(false)
            events += 2  // tick_started, tick_finished
            for agent in 0..<count where entriesByAgent[agent].count < quotas[agent] {
                guard random.chance(0.85) else { continue }
                events += 2  // turn_started, turn_finished or turn_failed
                var turn = Turn(
                    tick: tick, firstEntry: Int32(entriesByAgent[agent].count), entryCount: 0, outcome: .completed,
                    tool: 0, firstKey: 0, secondKey: 0)
                if random.chance(0.01) {
                    turn.outcome = .providerFailed
                    turnsByAgent[agent].append(turn)
                    continue
                }
                if random.chance(0.02) { turn.outcome = .violation }
                if random.chance(0.15) {
                    turn.tool = UInt8(1 + random.below(Self.tools.count))
                    events += 1  // tool_called
                }
                let updates = random.pick([0.40, 0.45, 0.15])
                for position in 0..<updates {
                    let key = keys.sample(&random)
                    if position == 0 { turn.firstKey = UInt8(key + 1) } else { turn.secondKey = UInt8(key + 1) }
                    memory[agent][key] = Memory(key: key, tick: tick, updates: (memory[agent][key]?.updates ?? 0) + 1)
                    events += 1  // memory_updated
                }
                let wanted = random.pick([0.20, 0.50, 0.20, 0.10])
                let written = min(wanted, quotas[agent] - entriesByAgent[agent].count)
                for sequence in 0..<written {
                    let number = Int32(entries.count)
                    var entry = Entry(
                        author: Int32(agent), tick: tick, sequence: UInt8(sequence + 1),
                        kind: UInt8(random.pick(Self.kindWeights)), priority: UInt8(random.pick(Self.priorityWeights)),
                        recipients: 0, firstTag: 0, secondTag: 0, replyTo: -1, thread: number)
                    if random.chance(0.4) { entry.recipients = UInt8(1 + random.below(7)) }
                    if random.chance(0.5) {
                        entry.firstTag = UInt8(tags.sample(&random) + 1)
                        if random.chance(0.2) { entry.secondTag = UInt8(tags.sample(&random) + 1) }
                    }
                    let isReply = entry.kind == 3 || (entry.kind == 0 && random.chance(0.3))
                    if isReply, let target = recentEntry(readBy: agent, before: tick, random: &random) {
                        entry.replyTo = target
                        entry.thread = entries[Int(target)].thread
                    }
                    entries.append(entry)
                    entriesByAgent[agent].append(number)
                    events += 1  // entry_written
                }
                turn.entryCount = UInt8(written)
                ticksWithEntries[Int(tick)] = ticksWithEntries[Int(tick)] || written > 0
                turnsByAgent[agent].append(turn)
            }
        }
        lastTick = Int(tick)
        memoryByAgent = memory.map { $0.values.sorted { $0.key < $1.key } }
        if archivedFraction > 0, !entries.isEmpty {
            let before = Int(entries[min(entries.count - 1, Int(Double(entries.count) * archivedFraction))].tick)
            archiveBefore = before
            // With `outbox_retention_ticks` = lastTick - before, tick t archived the entries of
            // ticks before t - retention: one entries_archived event per tick that moved some.
            let retention = retentionTicks ?? 1
            if lastTick - retention - 1 >= 1 {
                for moved in 1...(lastTick - retention - 1) where ticksWithEntries[moved] { events += 1 }
            }
        }
    }

    /// `outbox_retention_ticks` consistent with the archive: entries older than this many ticks
    /// before the last tick are archived.
    var retentionTicks: Int? { archiveBefore.map { max(1, lastTick - $0) } }

    /// One of the last entries of an agent `agent` reads, written before `tick`.
    private func recentEntry(readBy agent: Int, before tick: Int32, random: inout SplitMix64) -> Int32? {
        let source = (agent - 1 - random.below(Self.reads) + agents.count) % agents.count
        let candidates = entriesByAgent[source].suffix(24).filter { entries[Int($0)].tick < tick }
        guard !candidates.isEmpty else { return nil }
        return candidates[random.below(candidates.count)]
    }

    /// The agents that read `agent`'s outbox, in ring order.
    func readers(of agent: Int) -> [Int] {
        (1...Self.reads).map { (agent + $0) % agents.count }
    }

    /// The agents `agent` reads, in ring order.
    func sources(of agent: Int) -> [Int] {
        (1...Self.reads).map { (agent - $0 + agents.count) % agents.count }
    }

    func id(of number: Int32) -> EntryID {
        let entry = entries[Int(number)]
        return EntryID(tick: Int(entry.tick), agent: agents[Int(entry.author)], sequence: Int(entry.sequence))
    }

    func isArchived(_ entry: Entry) -> Bool { archiveBefore.map { Int(entry.tick) < $0 } ?? false }
}

extension SplitMix64 {
    /// An index drawn with the given weights (which sum to 1).
    mutating func pick(_ weights: [Double]) -> Int {
        var target = nextUnit()
        for (index, weight) in weights.enumerated() {
            if target < weight { return index }
            target -= weight
        }
        return weights.count - 1
    }
}
