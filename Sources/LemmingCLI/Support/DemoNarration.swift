import LemmingCore
import LemmingJSON
import Synchronization

/// Keeps the commits of the demo's engine until ``take()``, for ``DemoNarrator``.
final class DemoRecorder: EventSink {
    private let commits = Mutex<[CommittedChanges]>([])

    func receive(_ event: EngineEvent) {}

    func committed(_ changes: CommittedChanges) {
        commits.withLock { $0.append(changes) }
    }

    /// The commits since the last call, in order.
    func take() -> [CommittedChanges] {
        commits.withLock { commits in
            defer { commits = [] }
            return commits
        }
    }
}

/// The demo's story in short lines, from what each tick committed: who wrote what to whom, the
/// tool calls and their outcome, approvals, memory, budget warnings and what each turn cost.
struct DemoNarrator {
    var style: Style
    /// The widest line, in characters (longer texts wrap; very long ones are cut).
    var width = 100
    /// Approval requests seen so far: request id → the agent and the call.
    private var requests: [String: (agent: String, call: String)] = [:]

    init(style: Style) {
        self.style = style
    }

    /// The error of a tool call held for the human (written by the engine).
    static let waiting = "waiting for the human's approval"

    /// The human's own entries (what the demo sent before the first tick).
    mutating func human(_ commits: [CommittedChanges]) -> [String] {
        var lines: [String] = []
        for entry in commits.flatMap(\.entries) where entry.author == Names.human { lines += entryLines(entry) }
        return lines
    }

    /// One tick: a header, what happened turn by turn, and each turn's cost.
    mutating func tick(_ report: TickReport, _ commits: [CommittedChanges]) -> [String] {
        var lines = [style.bold("tick \(report.tick)")]
        for commit in commits {
            lines += approvalsRun(commit)
            for turn in commit.turnLines {
                guard let summary = turn.summary else { continue }
                // The budget warning (written when the turn was charged) comes after what the turn did.
                let written = commit.entries.filter { $0.author == turn.agent }
                let warnings = written.filter(\.isBudgetWarning)
                for entry in written where !entry.isBudgetWarning { lines += entryLines(entry) }
                let calls = summary.reply?.toolCalls ?? []
                for (call, result) in zip(calls, summary.toolResults)
                where result.error?.hasPrefix(Self.waiting) != true {
                    lines += wrap("  \(turn.agent) calls \(describe(call.tool, call.arguments)) → \(outcome(result))")
                }
                lines += commit.memory.filter { $0.agent == turn.agent }.flatMap(memoryLines)
                for entry in warnings { lines += entryLines(entry) }
            }
        }
        let costs = report.turns.map { "\($0.agent) \(Terminal.credits($0.cost))" }
        if !costs.isEmpty { lines.append(style.dim("  cost: " + costs.joined(separator: ", ") + " credits")) }
        return lines
    }

    /// The approval requests among `commits`: request id and agent.
    static func approvalRequests(in commits: [CommittedChanges]) -> [(id: String, agent: String)] {
        commits.flatMap(\.entries).filter { $0.kind == "approval_request" }.map { ($0.id.text, $0.author) }
    }

    /// What the demo says when it approves a request as the human.
    func approved(_ id: String) -> [String] {
        wrap("  human approves \(id) — the demo answers for you; you would type `lemming approve \(id)`")
    }

    // MARK: - Lines

    private mutating func entryLines(_ entry: OutboxEntry) -> [String] {
        switch entry.kind {
        case "approval_request":
            let call = describe(
                entry.payload["tool"]?.stringValue ?? "?", entry.payload["args"]?.objectValue ?? JSONObject())
            requests[entry.id.text] = (entry.author, call)
            return wrap("  \(entry.author) calls \(call) → waits for the human's approval (request \(entry.id.text))")
                .map(style.yellow)
        case _ where entry.isBudgetWarning:
            return wrap("  budget warning: \(entry.text)").map(style.yellow)
        default:
            let to = entry.recipients?.joined(separator: ", ") ?? "everyone who reads \(entry.author)"
            return wrap("  \(entry.author) → \(to) [\(entry.kind)] \(cut(entry.text, 220))")
        }
    }

    /// The calls that ran at the start of the tick because the human approved them.
    private func approvalsRun(_ commit: CommittedChanges) -> [String] {
        var lines: [String] = []
        for event in commit.events where event.kind == .approvalResolved {
            guard let id = event.data["request"]?.stringValue, let agent = event.agent else { continue }
            let decision = event.data["decision"]?.stringValue ?? "answered"
            let call = requests[id]?.call ?? "its call"
            let ran = commit.events.first {
                $0.kind == .toolCalled && $0.agent == agent && $0.sequence < event.sequence
            }
            var line = "  \(agent)'s \(call) runs, \(decision) by the human"
            if decision == "approved", let ran {
                let success = ran.data["success"]?.boolValue == true
                line +=
                    " → " + (success ? style.green("ok") : style.red("failed: \(ran.data["error"]?.stringValue ?? "")"))
            }
            lines += wrap(line)
        }
        return lines
    }

    private func memoryLines(_ change: CommittedChanges.MemoryChange) -> [String] {
        guard let record = change.record else { return wrap("  \(change.agent) forgets \(change.key)") }
        if record.operation == .append, let last = record.value.arrayValue?.last {
            return wrap("  \(change.agent) adds to its memory \(change.key): \(cut(short(last), 150))")
        }
        return wrap("  \(change.agent) remembers \(change.key): \(cut(short(record.value), 150))")
    }

    /// `file_write(path: "shared/x.html", content: 19 lines)`.
    private func describe(_ tool: String, _ arguments: JSONObject) -> String {
        var parts: [String] = []
        for (key, value) in arguments {
            if let text = value.stringValue {
                let lines = text.split(separator: "\n").count
                parts.append("\(key): " + (lines > 1 ? "\(lines) lines" : "\"\(cut(text, 40))\""))
            } else {
                parts.append("\(key): \(cut(value.compactText, 40))")
            }
        }
        return "\(tool)(\(parts.joined(separator: ", ")))"
    }

    private func outcome(_ result: ToolResult) -> String {
        guard result.isSuccess else { return style.red("failed: \(cut(result.error ?? "", 80))") }
        let lines = result.output.split(separator: "\n")
        let detail = lines.count > 1 ? "\(lines.count) lines read" : cut(result.output, 80)
        return style.green("ok") + (detail.isEmpty ? "" : ": \(detail)")
    }

    /// A memory value in words: a string as it is, a list joined by "; ", an object as
    /// `key: value` pairs (a nested object by its keys, a nested list by its length).
    private func short(_ value: JSONValue) -> String {
        if let text = value.stringValue { return text }
        if let list = value.arrayValue { return list.map { $0.stringValue ?? $0.compactText }.joined(separator: "; ") }
        guard let object = value.objectValue else { return value.compactText }
        return object.map { key, value in
            if let nested = value.objectValue { return "\(key): {\(nested.map(\.key).joined(separator: ", "))}" }
            if let list = value.arrayValue { return "\(key): [\(list.count) items]" }
            return "\(key): \(value.stringValue ?? value.compactText)"
        }.joined(separator: ", ")
    }

    private func cut(_ text: String, _ limit: Int) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit - 1)) + "…" : flat
    }

    /// `line` in lines of at most ``width`` characters; continuation lines are indented 4 more.
    private func wrap(_ line: String) -> [String] {
        let indent = String(line.prefix { $0 == " " })
        var lines: [String] = []
        var current = indent
        var isAtStart = true
        for word in line.dropFirst(indent.count).split(separator: " ") {
            if !isAtStart, current.count + 1 + word.count > width {
                lines.append(current)
                current = indent + "    "
                isAtStart = true
            }
            current += (isAtStart ? "" : " ") + word
            isAtStart = false
        }
        lines.append(current)
        return lines
    }
}

extension OutboxEntry {
    /// The engine's `status` entry saying the agent's balance fell below its soft cap.
    fileprivate var isBudgetWarning: Bool { kind == "status" && meta["code"] == "soft_cap" }
}
