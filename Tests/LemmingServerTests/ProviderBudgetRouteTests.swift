import HTTPTypes
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

/// Each endpoint's rate-limit budgets, as the engine writes them in `state/providers.json`, in
/// `GET /api/status` and `/metrics`.
@Suite(.timeLimit(.minutes(1))) struct ProviderBudgetRouteTests {
    static let health = ProviderHealth(
        endpoint: "https://api.example.com/v1", state: .closed, consecutiveFailures: 0,
        budgets: [
            ProviderBudget(
                model: "gpt-4o", requestsPerMinute: 20, requestLimit: 20, tokenLimit: 30000, requestsRemaining: 12,
                tokensRemaining: 29000, waiting: 3, waits: 5, waitedSeconds: 42.5,
                reported: ["tokens": .init(limit: 30000, remaining: 29000, resetAt: "2026-01-01T00:00:06.000Z")],
                reportedAt: "2026-01-01T00:00:00.000Z")
        ])

    @Test func statusAndMetricsShowEachModelsBudget() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        let document: JSONValue = ["updated_at": "2026-01-01T00:00:00.000Z", "endpoints": [Self.health.json]]
        try org.writeBytes("state/providers.json", JSONWriter().bytes(document))
        try await withServer(org) { client, _ in
            let status = try await client.call(.get, "/api/status")
            let endpoint = try #require(status.json?["providers"]?.arrayValue?.first)
            let budget = try #require(endpoint["budgets"]?.arrayValue?.first)
            #expect(budget["model"] == "gpt-4o")
            #expect(budget["rpm"] == 20)
            #expect(budget["tpm"] == .null)
            #expect(budget["request_limit"] == 20)
            #expect(budget["requests_remaining"] == 12)
            #expect(budget["waiting"] == 3)
            #expect(budget["reported"]?["tokens"]?["reset_at"] == "2026-01-01T00:00:06.000Z")
            #expect(ProviderBudget(json: budget) == Self.health.budgets[0])
            let metrics = try await client.call(.get, "/metrics").text
            let labels = #"{endpoint="https://api.example.com/v1",model="gpt-4o"}"#
            #expect(metrics.contains("lemming_rate_limit_waiting_calls\(labels) 3.0"))
            #expect(metrics.contains("lemming_rate_limit_requests_remaining\(labels) 12.0"))
            #expect(metrics.contains("lemming_rate_limit_waits_total\(labels) 5.0"))
            #expect(metrics.contains("lemming_rate_limit_wait_seconds_total\(labels) 42.5"))
        }
    }
}
