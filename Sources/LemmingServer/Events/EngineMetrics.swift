import CoreMetrics
import LemmingCore
import LemmingJSON
import Prometheus
import Synchronization

/// Prometheus metrics of the org, fed by engine events (swift-metrics API over a
/// swift-prometheus registry owned by the server, so several servers in one process, as in tests,
/// keep their own numbers).
final class EngineMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let ticks: CoreMetrics.Counter
    private let turnDuration: CoreMetrics.Timer
    private let providerDuration: CoreMetrics.Timer
    private let credits: FloatingPointCounter
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        let buckets: [Duration] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
            .seconds(60),
        ]
        factory.defaultDurationHistogramBuckets = buckets
        self.factory = factory
        ticks = CoreMetrics.Counter(label: "lemming_ticks_total", dimensions: [], factory: factory)
        turnDuration = CoreMetrics.Timer(label: "lemming_turn_duration_seconds", dimensions: [], factory: factory)
        providerDuration = CoreMetrics.Timer(
            label: "lemming_provider_duration_seconds", dimensions: [], factory: factory)
        credits = FloatingPointCounter(label: "lemming_credits_spent_total", dimensions: [], factory: factory)
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = counter
            return counter
        }
    }

    func record(_ event: EngineEvent) {
        switch event.kind {
        case .tickFinished:
            ticks.increment()
        case .turnFinished, .turnFailed:
            let outcome = event.data["stop_reason"]?.stringValue ?? event.kind.name
            counter("lemming_turns_total", [("agent", event.agent ?? ""), ("outcome", outcome)]).increment()
            if let milliseconds = event.data["duration_ms"]?.doubleValue {
                turnDuration.recordNanoseconds(Int64(milliseconds * 1_000_000))
            }
            if let milliseconds = event.data["provider_ms"]?.doubleValue, milliseconds > 0 {
                providerDuration.recordNanoseconds(Int64(milliseconds * 1_000_000))
            }
            if let cost = event.data["cost"]?.doubleValue, cost > 0 { credits.increment(by: cost) }
            for direction in ["input", "output"] {
                if let tokens = event.data["\(direction)_tokens"]?.intValue, tokens > 0 {
                    counter("lemming_tokens_total", [("direction", direction)]).increment(by: tokens)
                }
            }
        case .entryWritten:
            counter("lemming_messages_total", [("kind", event.data["kind"]?.stringValue ?? "")]).increment()
        case .violation:
            counter("lemming_violations_total", [("agent", event.agent ?? "")]).increment()
        case .budgetExhausted:
            counter("lemming_budget_exhausted_total", [("agent", event.agent ?? "")]).increment()
        default:
            return
        }
    }

    /// The metrics in Prometheus' text format, with the circuit breakers' current states
    /// (0 closed, 1 half-open, 2 open) from `state/providers.json`.
    func exposition(breakers: [ProviderHealth]) -> [UInt8] {
        var bytes = registry.emitToBuffer()
        if !breakers.isEmpty {
            var text = "# TYPE lemming_circuit_breaker_state gauge\n"
            for endpoint in breakers {
                let value: Int
                switch endpoint.state {
                case .closed: value = 0
                case .halfOpen: value = 1
                case .open: value = 2
                }
                text += "lemming_circuit_breaker_state{endpoint=\"\(Self.escape(endpoint.endpoint))\"} \(value)\n"
            }
            bytes.append(contentsOf: Array(text.utf8))
        }
        bytes.append(contentsOf: Array(Self.budgetExposition(breakers).utf8))
        return bytes
    }

    /// The rate-limit budgets of `state/providers.json` (README "Pacing"): calls waiting now, the
    /// requests and tokens the last minute leaves, and the waits so far, by endpoint and model.
    static func budgetExposition(_ endpoints: [ProviderHealth]) -> String {
        let budgets = endpoints.flatMap { endpoint in endpoint.budgets.map { (endpoint.endpoint, $0) } }
        guard !budgets.isEmpty else { return "" }
        let series: [(name: String, type: String, value: (ProviderBudget) -> Double?)] = [
            ("lemming_rate_limit_waiting_calls", "gauge", { Double($0.waiting) }),
            ("lemming_rate_limit_requests_remaining", "gauge", { $0.requestsRemaining.map(Double.init) }),
            ("lemming_rate_limit_tokens_remaining", "gauge", { $0.tokensRemaining.map(Double.init) }),
            ("lemming_rate_limit_waits_total", "counter", { Double($0.waits) }),
            ("lemming_rate_limit_wait_seconds_total", "counter", { $0.waitedSeconds }),
        ]
        var text = ""
        for (name, type, value) in series {
            let lines = budgets.compactMap { endpoint, budget in
                value(budget).map {
                    "\(name){endpoint=\"\(escape(endpoint))\",model=\"\(escape(budget.model))\"} \($0)\n"
                }
            }
            guard !lines.isEmpty else { continue }
            text += "# TYPE \(name) \(type)\n" + lines.joined()
        }
        return text
    }

    private static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
