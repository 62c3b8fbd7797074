import Dispatch
import Foundation
import LemmingCore
import LemmingJSON
import Synchronization

/// `lemming-bench make-history DIR`: an org with a long history, written directly as files (no
/// engine runs), for the search benchmark.
///
/// The org is the headline benchmark's (`BenchOrg`: agents in a ring, each reading the three
/// before it, the `scripted` model) with a history planned by ``HistoryPlan``: entry files as the
/// engine writes them (``OutboxEntry/fileBytes``), the older part under `archive/outbox/` with
/// `outbox_retention_ticks` to match, memory records, one turn record per turn in each agent's
/// `logs/turns.jsonl` (the layout of DESIGN §5.7, with the prompt and reply), read cursors at the
/// newest entries, and `state/tick.json` with the last committed tick and the number of events
/// such a run commits. There is no `logs/engine.jsonl`: the index starts from the files. The
/// same arguments and seed give the same files.
struct HistoryOrg {
    struct Options {
        var entries = 1_000_000
        var agents = 100
        var archivedFraction = 0.3
        var seed: UInt64 = 42
    }

    /// Base of the generated clock: 2026-01-01T00:00:00Z, and 30 s per tick.
    static let epochSeconds = 1_767_225_600
    static let secondsPerTick = 30

    let root: String
    let plan: HistoryPlan
    let vocabulary: Vocabulary

    /// Writes the org into `root`, which must not exist yet.
    ///
    /// - Returns: the org, with the plan it was written from.
    static func make(at root: String, options: Options) throws -> HistoryOrg {
        let names = (0..<options.agents).map { "agent_\(String(format: "%05d", $0))" }
        let org = try BenchOrg.make(at: root, agents: options.agents, reads: HistoryPlan.reads)
        let plan = HistoryPlan(
            agents: names, entries: options.entries, archivedFraction: options.archivedFraction, seed: options.seed)
        let history = HistoryOrg(root: org.root, plan: plan, vocabulary: Vocabulary())
        try history.writeConfiguration()
        try history.writeAgents()
        try history.writeState()
        return history
    }

    private var paths: OrgPaths { OrgPaths(root: root) }

    // MARK: - Org files

    /// `lemming.json` with the retention that archived the old entries.
    private func writeConfiguration() throws {
        guard let retention = plan.retentionTicks,
            case .object(var config)? = try? JSONValue.parse(FileSystem.read(paths.config))
        else { return }
        config["outbox_retention_ticks"] = .int(retention)
        try FileSystem.writeAtomically(JSONWriter(style: .pretty).bytes(.object(config)), to: paths.config)
    }

    /// Every agent's files, agents in parallel.
    private func writeAgents() throws {
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: plan.agents.count) { agent in
            do {
                try writeAgent(agent)
            } catch {
                failure.withLock { $0 = $0 ?? error }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    private func writeAgent(_ agent: Int) throws {
        let name = plan.agents[agent]
        try FileSystem.makeDirectory(paths.outbox(name))
        try FileSystem.makeDirectory(paths.memory(name))
        try FileSystem.makeDirectory(paths.agentLogs(name))
        if plan.archiveBefore != nil { try FileSystem.makeDirectory(paths.archivedOutbox(name)) }
        for number in plan.entriesByAgent[agent] {
            let entry = outboxEntry(number)
            let path =
                plan.isArchived(plan.entries[Int(number)]) ? paths.archivedEntry(entry.id) : paths.entry(entry.id)
            try FileSystem.overwrite(entry.fileBytes, at: path)
        }
        let pretty = JSONWriter(style: .pretty)
        for memory in plan.memoryByAgent[agent] {
            let record = memoryRecord(memory, agent: agent)
            try FileSystem.overwrite(pretty.bytes(record.json), at: paths.memory(name, key: record.key))
        }
        try FileSystem.overwrite(turnLog(agent), at: paths.turns(name))
    }

    /// `state/tick.json` after the last tick, and read cursors at the newest entries.
    private func writeState() throws {
        try FileSystem.makeDirectory(paths.state)
        let pretty = JSONWriter(style: .pretty)
        var state = TickState()
        state.nextTick = plan.lastTick + 1
        state.lastCommittedTick = plan.lastTick
        state.nextEventSequence = plan.events + 1
        state.updatedAt = Self.timestamp(tick: plan.lastTick, milliseconds: 999)
        try FileSystem.writeAtomically(pretty.bytes(state.json), to: paths.tick)
        var cursors = JSONObject()
        for (agent, name) in plan.agents.enumerated() {
            var sources = JSONObject()
            for source in plan.sources(of: agent) {
                guard let last = plan.entriesByAgent[source].last else { continue }
                sources[plan.agents[source]] = ["after": .string(plan.id(of: last).text)]
            }
            cursors[name] = .object(sources)
        }
        try FileSystem.writeAtomically(pretty.bytes(.object(cursors)), to: paths.cursors)
    }

    // MARK: - Documents

    /// The text of entry `number` (the same every time it is asked for).
    func text(of number: Int32) -> String {
        var random = SplitMix64(seed: plan.seed ^ (UInt64(number) &* 0x9E37_79B9_7F4A_7C15))
        var text: [UInt8] = []
        text.reserveCapacity(400)
        vocabulary.appendText(sentences: 1 + random.pick([0.35, 0.35, 0.2, 0.1]), to: &text, random: &random)
        return String(decoding: text, as: UTF8.self)
    }

    func outboxEntry(_ number: Int32) -> OutboxEntry {
        let planned = plan.entries[Int(number)]
        let author = Int(planned.author)
        let id = plan.id(of: number)
        var tags: [String] = []
        if planned.firstTag > 0 { tags.append(Vocabulary.tags[Int(planned.firstTag) - 1]) }
        if planned.secondTag > 0, planned.secondTag != planned.firstTag {
            tags.append(Vocabulary.tags[Int(planned.secondTag) - 1])
        }
        var recipients: [String]?
        if planned.recipients != 0 {
            recipients = plan.readers(of: author).enumerated().filter { planned.recipients & (1 << $0.offset) != 0 }
                .map { plan.agents[$0.element] }
        }
        return OutboxEntry(
            id: id, kind: HistoryPlan.kinds[Int(planned.kind)], payload: ["text": .string(text(of: number))],
            tags: tags,
            recipients: recipients, priority: HistoryPlan.priorities[Int(planned.priority)],
            replyTo: planned.replyTo >= 0 ? plan.id(of: planned.replyTo).text : nil,
            thread: plan.id(of: planned.thread).text,
            createdAt: Self.timestamp(tick: Int(planned.tick), milliseconds: author * 5 + Int(planned.sequence)))
    }

    private func memoryRecord(_ memory: HistoryPlan.Memory, agent: Int) -> MemoryRecord {
        var random = SplitMix64(seed: plan.seed ^ UInt64(agent << 20 | memory.key << 8) ^ 0xA5A5)
        var text: [UInt8] = []
        vocabulary.appendText(sentences: 1 + random.below(4), to: &text, random: &random)
        return MemoryRecord(
            key: Vocabulary.memoryKeys[memory.key], value: .string(String(decoding: text, as: UTF8.self)),
            updatedTick: Int(memory.tick), updatedAt: Self.timestamp(tick: Int(memory.tick), milliseconds: agent * 5),
            operation: .set)
    }

    // MARK: - Turn records

    /// The agent's `logs/turns.jsonl`: one line per turn, as the engine writes them.
    private func turnLog(_ agent: Int) -> [UInt8] {
        let name = plan.agents[agent]
        let compact = JSONWriter(style: .compact)
        let system = systemMessage(agent)
        var log: [UInt8] = []
        log.reserveCapacity(plan.turnsByAgent[agent].count * 3_000)
        // Where each source's entries were read up to: a turn shows what is new since the last one.
        var read = Array(repeating: 0, count: HistoryPlan.reads)
        for turn in plan.turnsByAgent[agent] {
            var inbox: [Int32] = []
            for (position, source) in plan.sources(of: agent).enumerated() {
                let written = plan.entriesByAgent[source]
                while read[position] < written.count, plan.entries[Int(written[read[position]])].tick < turn.tick {
                    inbox.append(written[read[position]])
                    read[position] += 1
                }
            }
            let shown = inbox.suffix(10)
            var random = SplitMix64(seed: plan.seed ^ UInt64(agent) << 32 ^ UInt64(turn.tick))
            compact.write(
                turnRecord(
                    turn, agent: name, number: agent, system: system, inbox: Array(shown),
                    random: &random), into: &log)
            log.append(0x0A)
        }
        return log
    }

    private func systemMessage(_ agent: Int) -> String {
        let name = plan.agents[agent]
        let sources = plan.sources(of: agent).map { plan.agents[$0] }.joined(separator: ", ")
        let readers = plan.readers(of: agent).map { plan.agents[$0] }.joined(separator: ", ")
        return """
            You are \(name), "Worker", an agent of the LeMMing organisation "bench".
            A benchmark agent.

            # How this organisation works
            - Time advances in ticks. You run every tick. Each turn you see what is new since your last turn.
            - You never write to another agent. You publish entries to your own outbox; agents allowed to read \
            your outbox see them on their next turn.
            - You read: \(sources), human. Your outbox is read by: \(readers), human. "human" is the person \
            running the organisation.
            - An entry with "to" reaches only the agents named there, and only those who read you. Without "to" \
            it reaches everyone who reads you.
            - Answer with exactly one JSON object, no other text:
            {"outbox_entries": [{"kind": "message", "payload": {"text": "..."}, "to": ["agent_name"], \
            "priority": "normal", "reply_to": "<entry id>", "tags": []}], "tool_calls": [{"tool": "tool_name", \
            "args": {}}], "memory_updates": [{"key": "plan", "op": "set", "value": "..."}], "notes": "one line"}
            - Every field is optional. kind is one word: message, request, response, report or status.

            # Your role
            Report progress to your readers every tick.
            """
    }

    private func turnRecord(
        _ turn: HistoryPlan.Turn, agent name: String, number agent: Int, system: String, inbox: [Int32],
        random: inout SplitMix64
    ) -> JSONValue {
        let tick = Int(turn.tick)
        var prompt = "Tick \(tick).\n\n## New messages (\(inbox.count))\n"
        for number in inbox {
            let entry = plan.entries[Int(number)]
            prompt += "[\(plan.id(of: number).text)] from \(plan.agents[Int(entry.author)]), "
            prompt += HistoryPlan.kinds[Int(entry.kind)] + ":\n" + text(of: number) + "\n"
        }
        prompt += "\nAnswer with one JSON object."
        var record = JSONObject()
        record["tick"] = .int(tick)
        record["agent"] = .string(name)
        let stopReason = turn.outcome == .providerFailed ? "provider_failed" : "completed"
        record["stop_reason"] = .string(stopReason)
        record["started_at"] = .string(Self.timestamp(tick: tick, milliseconds: agent * 5))
        record["model"] = ["key": "bench", "provider": "scripted", "model": "simulation", "served_by": .null]
        record["request"] = [
            "messages": [
                ["role": "system", "content": .string(system)], ["role": "user", "content": .string(prompt)],
            ],
            "temperature": 0.2, "max_tokens": 1024,
        ]
        record["inbox"] = .strings(inbox.map { plan.id(of: $0).text })
        let entries = (0..<Int(turn.entryCount)).map { plan.entriesByAgent[agent][Int(turn.firstEntry) + $0] }
        var violations: [JSONValue] = []
        var toolResults: [JSONValue] = []
        if turn.outcome == .providerFailed {
            record["reply"] = .null
            record["parsed"] = .null
        } else {
            var parsed = JSONObject()
            parsed["outbox_entries"] = .array(
                entries.map { number in
                    let entry = outboxEntry(number)
                    return [
                        "kind": .string(entry.kind), "payload": .object(entry.payload),
                        "to": entry.recipients.map(JSONValue.strings) ?? .null,
                        "priority": .string(entry.priority.rawValue), "reply_to": .optional(entry.replyTo),
                        "tags": .strings(entry.tags), "meta": [:],
                    ]
                })
            var calls: [JSONValue] = []
            if turn.tool > 0 {
                let tool = HistoryPlan.tools[Int(turn.tool) - 1]
                let query = vocabulary.word(rank: vocabulary.wordDistribution.sample(&random))
                calls.append(["tool": .string(tool), "args": ["query": .string(query)]])
                var output: [UInt8] = []
                vocabulary.appendText(sentences: 1 + random.below(3), to: &output, random: &random)
                toolResults.append([
                    "tool": .string(tool), "success": true, "output": .string(String(decoding: output, as: UTF8.self)),
                    "error": .null, "truncated": false,
                ])
            }
            parsed["tool_calls"] = .array(calls)
            parsed["memory_updates"] = .array(
                [turn.firstKey, turn.secondKey].filter { $0 > 0 }.map { key in
                    ["key": .string(Vocabulary.memoryKeys[Int(key) - 1]), "op": "set", "value": "updated"]
                })
            var notes: [UInt8] = []
            vocabulary.appendText(sentences: 1, to: &notes, random: &random)
            parsed["notes"] = .string(String(decoding: notes, as: UTF8.self))
            record["reply"] = [
                "text": .string(JSONWriter(style: .compact).string(.object(parsed))), "finish_reason": "stop",
                "finish": "complete",
            ]
            record["parsed"] = .object(parsed)
            if turn.outcome == .violation {
                violations.append([
                    "code": "invalid_recipient", "field": "outbox_entries[0].to",
                    "message": "names an agent that does not read you; the entry was kept without it",
                ])
            }
        }
        record["entries"] = .strings(entries.map { plan.id(of: $0).text })
        record["violations"] = .array(violations)
        record["tool_results"] = .array(toolResults)
        record["usage"] = ["input_tokens": .int(prompt.utf8.count / 4 + 300), "output_tokens": 45, "estimated": true]
        record["cost"] = 0.0001
        record["reserved"] = 0.0007
        record["error"] = turn.outcome == .providerFailed ? "the provider timed out after 60 s (3 attempts)" : .null
        record["duration_ms"] = ["total": 850.0, "provider": 840.0]
        return .object(record)
    }

    // MARK: - Time

    /// `2026-01-01T00:00:00.000Z` plus `tick` × 30 s plus `milliseconds`, as the engine writes times.
    static func timestamp(tick: Int, milliseconds: Int) -> String {
        let total = (epochSeconds + tick * secondsPerTick) * 1000 + milliseconds
        let seconds = total / 1000
        let (days, secondOfDay) = (seconds / 86_400, seconds % 86_400)
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let shifted = days + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, month, day, secondOfDay / 3600, secondOfDay / 60 % 60,
            secondOfDay % 60, total % 1000)
    }
}
