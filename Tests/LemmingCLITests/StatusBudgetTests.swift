import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

/// `lemming status` shows each model's rate-limit budget under its endpoint, as the engine last
/// wrote it (`state/providers.json`), in text and in `--json`.
struct StatusBudgetTests {
    @Test func statusPrintsEachModelsBudget() throws {
        let org = try TemporaryOrg.make(agents: [TestAgent("manager")])
        defer { org.remove() }
        let health = ProviderHealth(
            endpoint: "https://api.example.com/v1", state: .closed, consecutiveFailures: 0,
            budgets: [
                ProviderBudget(
                    model: "gpt-4o", requestsPerMinute: 20, requestLimit: 20, requestsRemaining: 12, waiting: 3,
                    reported: ["requests": .init(limit: 20, remaining: 9, resetAt: "2026-01-01T00:00:06.000Z")]),
                ProviderBudget(model: "gpt-4o-mini", tokenLimit: 90000, tokensRemaining: 80000),
            ])
        let document: JSONValue = ["updated_at": "2026-01-01T00:00:00.000Z", "endpoints": [health.json]]
        try org.writeBytes("state/providers.json", JSONWriter().bytes(document))
        let text = try Lemming.run(["status"], in: org.root)
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("provider https://api.example.com/v1: circuit closed, 0 failures in a row"))
        #expect(
            lines.contains(
                "  model gpt-4o: 20 requests/min (rpm), 12 left this minute; 3 calls waiting; "
                    + "server: 9 of 20 requests left, reset at 2026-01-01T00:00:06.000Z"))
        #expect(
            lines.contains("  model gpt-4o-mini: 90000 tokens/min (from the server's headers), 80000 left this minute"))
        let json = try JSONValue.parse(try Lemming.run(["status", "--json"], in: org.root).stdout)
        let budgets = json["providers"]?.arrayValue?.first?["budgets"]?.arrayValue ?? []
        #expect(budgets.compactMap { $0["model"]?.stringValue } == ["gpt-4o", "gpt-4o-mini"])
        #expect(budgets.first?["waiting"] == 3)
    }
}
