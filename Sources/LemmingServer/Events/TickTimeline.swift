import LemmingCore
import LemmingJSON

/// Who ran at each recent tick, with outcome, duration and cost, gathered from engine events.
struct TickTimeline: Sendable {
    struct Turn: Sendable {
        var agent: String
        var stopReason: String
        var cost: Double
        var durationMilliseconds: Double
        var entries: Int
        var error: String?
    }

    struct Tick: Sendable {
        var tick: Int
        var startedAt: String
        var firing: [String] = []
        var skipped: JSONObject = [:]
        var turns: [Turn] = []
        /// Set by `tick_finished`; `nil` while the tick runs or when it was abandoned.
        var finished: JSONObject?

        var json: JSONValue {
            [
                "tick": .int(tick), "started_at": .string(startedAt), "firing": .strings(firing),
                "skipped": .object(skipped), "finished": .bool(finished != nil),
                "duration_ms": finished?["duration_ms"] ?? nil, "cost": finished?["cost"] ?? nil,
                "entries": finished?["entries"] ?? nil, "failures": finished?["failures"] ?? nil,
                "turns": .array(
                    turns.map {
                        [
                            "agent": .string($0.agent), "stop_reason": .string($0.stopReason), "cost": .double($0.cost),
                            "duration_ms": .double($0.durationMilliseconds), "entries": .int($0.entries),
                            "error": .optional($0.error),
                        ]
                    }),
            ]
        }
    }

    let capacity: Int
    private(set) var ticks: [Int: Tick] = [:]
    private var order: [Int] = []

    init(capacity: Int = 1_000) {
        self.capacity = capacity
    }

    mutating func record(_ event: EngineEvent) {
        guard let number = event.tick else { return }
        switch event.kind {
        case .tickStarted:
            if ticks[number] == nil { order.append(number) }
            var tick = Tick(tick: number, startedAt: event.time)
            tick.firing = event.data["firing"]?.arrayValue?.compactMap(\.stringValue) ?? []
            tick.skipped = event.data["skipped"]?.objectValue ?? [:]
            ticks[number] = tick
            while order.count > capacity { ticks[order.removeFirst()] = nil }
        case .turnFinished, .turnFailed:
            guard let agent = event.agent else { return }
            ticks[number]?.turns.append(
                Turn(
                    agent: agent, stopReason: event.data["stop_reason"]?.stringValue ?? event.kind.name,
                    cost: event.data["cost"]?.doubleValue ?? 0,
                    durationMilliseconds: event.data["duration_ms"]?.doubleValue ?? 0,
                    entries: event.data["entries"]?.intValue ?? 0, error: event.data["error"]?.stringValue))
        case .tickFinished:
            ticks[number]?.finished = event.data
        default:
            return
        }
    }

    /// Up to `limit` ticks before `before` (all when `nil`), newest first.
    func page(before: Int?, limit: Int) -> [Tick] {
        var result: [Tick] = []
        for number in order.reversed() {
            if let before, number >= before { continue }
            guard let tick = ticks[number] else { continue }
            result.append(tick)
            if result.count == limit { break }
        }
        return result
    }
}
