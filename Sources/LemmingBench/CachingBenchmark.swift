import Foundation
import LemmingCore
import LemmingJSON
import LemmingProviders
import Synchronization

/// Tokens and cost per turn before and after prompt caching (issue 16), on the headline org's
/// shape (100 agents in a ring, each reading three neighbours and the human) with realistic
/// prompts: a role of about 1,500 tokens (instructions and a reference of the component), memory of
/// five keys that changes every fifth tick, three reports of about 100 tokens each in every inbox.
///
/// The provider's cache is simulated (``PrefixCacheSimulator``: prefixes matched as text, tokens
/// estimated at four bytes each, nothing expires), for two providers at once on the same requests:
/// Anthropic's breakpoints (minimum 1,024 tokens, Claude Sonnet 4.5) and OpenAI's automatic prefix
/// matching under the agent's `prompt_cache_key` (minimum 1,024 tokens). Each is measured three
/// ways: no cache; only the system message cached (what the layout before issue 16 allowed, its
/// user message starting with the tick); and the stable-first layout.
struct CachingBenchmark {
    let directory: String
    var agents = 100
    var ticks = 20

    /// A way of caching, and what it cost over the run.
    struct Scenario: Sendable {
        var name: String
        var input = 0
        var read = 0
        var written = 0
    }

    /// Counts each call under every scenario.
    final class Tally: Sendable {
        struct State {
            var scenarios: [Scenario]
            var output = 0
            var turns = 0
        }

        let state: Mutex<State>
        let anthropicSystemOnly = PrefixCacheSimulator(mode: .breakpoints, minimumTokens: 1_024)
        let anthropicLayout = PrefixCacheSimulator(mode: .breakpoints, minimumTokens: 1_024)
        let openAISystemOnly = PrefixCacheSimulator(mode: .longestPrefix, minimumTokens: 1_024)
        let openAILayout = PrefixCacheSimulator(mode: .longestPrefix, minimumTokens: 1_024)

        init() {
            state = Mutex(
                State(
                    scenarios: [
                        "no cache", "Anthropic, system message only", "Anthropic, stable-first layout",
                        "OpenAI, system message only", "OpenAI, stable-first layout",
                    ].map { Scenario(name: $0) }))
        }

        func count(_ request: ChatRequest, output: Int) {
            let system = request.messages.first?.content ?? ""
            let user = request.messages.dropFirst().map(\.content).joined()
            let marks = Set(request.cacheBreakpoints.suffix(4).map { "\($0.message):\($0.offset)" })
            var blocks: [(text: String, marked: Bool)] = []
            for index in request.messages.indices {
                for piece in request.pieces(ofMessage: index) {
                    let marked = piece.breakpoint.map { marks.contains("\($0.message):\($0.offset)") } ?? false
                    blocks.append((piece.text, marked))
                }
            }
            let usages = [
                anthropicSystemOnly.call([(system, true), (user, false)]),
                anthropicLayout.call(blocks),
                // Before issue 16 the user message began with the tick: only the system message matched.
                openAISystemOnly.call(
                    [(system, false), ("## This turn\nTick \(request.tick).\n\n", false), (user, false)],
                    key: request.agent),
                openAILayout.call([(system, false), (user, false)], key: request.agent),
            ]
            state.withLock { state in
                let total = TokenEstimator.tokens(in: system + user)
                state.scenarios[0].input += total
                for (index, usage) in usages.enumerated() {
                    state.scenarios[index + 1].input += total
                    state.scenarios[index + 1].read += usage.cacheReadTokens
                    state.scenarios[index + 1].written += usage.cacheWriteTokens
                }
                state.output += output
                state.turns += 1
            }
        }
    }

    /// The scripted replies, counted under every scenario.
    struct CountingProvider: ModelProvider {
        let inner: any ModelProvider
        let tally: Tally

        func complete(_ request: ChatRequest) async throws -> ChatResponse {
            let response = try await inner.complete(request)
            tally.count(request, output: TokenEstimator.tokens(in: response.text))
            return response
        }
    }

    struct Providers: ModelProviderFactory {
        let tally: Tally

        func makeProvider(for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths) throws -> any ModelProvider {
            CountingProvider(inner: try ScriptedProvider(entry: entry, org: org), tally: tally)
        }
    }

    /// Runs the org and prints a table: per turn, input tokens, the share read from and written
    /// to the cache, and the cost under each price table.
    func run() async throws {
        let root = directory + "/lemming-bench-caching-" + UUID().uuidString.lowercased()
        try makeOrg(at: root)
        defer { try? FileSystem.removeTree(root) }
        let tally = Tally()
        let engine = try await Engine.open(
            Engine.Configuration(root: root, providers: Providers(tally: tally), clock: SystemWallClock()))
        for _ in 0..<ticks { _ = try await engine.runTick() }
        await engine.close()
        let state = tally.state.withLock { $0 }
        let turns = Double(max(state.turns, 1))
        // Claude Sonnet 4.5: $3 input, $15 output, $3.75 5-minute cache write, $0.30 cache read;
        // GPT-4.1: $2 input, $8 output, $0.50 cached input, no write fee (per million tokens).
        let anthropic = Pricing(
            inputPerMillion: 3, outputPerMillion: 15, perCall: 0, cachedInputPerMillion: 0.3,
            cacheWritePerMillion: 3.75)
        let openAI = Pricing(inputPerMillion: 2, outputPerMillion: 8, perCall: 0, cachedInputPerMillion: 0.5)
        print(
            "caching: \(agents) agents × \(ticks) ticks, \(state.turns) turns, output \(Int(Double(state.output) / turns)) "
                + "tokens per turn (estimated: 4 bytes a token)")
        for scenario in state.scenarios {
            let usage = TokenUsage(
                inputTokens: scenario.input, outputTokens: state.output, cacheReadTokens: scenario.read,
                cacheWriteTokens: scenario.written)
            var costs: [String] = []
            if !scenario.name.hasPrefix("OpenAI") {
                costs.append("Claude Sonnet 4.5 $\(String(format: "%.5f", anthropic.cost(usage) / turns))")
            }
            if !scenario.name.hasPrefix("Anthropic") {
                costs.append("GPT-4.1 $\(String(format: "%.5f", openAI.cost(usage) / turns))")
            }
            print(
                "caching: \(scenario.name): input \(Int(Double(scenario.input) / turns)) tokens per turn, "
                    + "read \(Int(Double(scenario.read) / turns)) (\(percent(scenario.read, of: scenario.input))), "
                    + "written \(Int(Double(scenario.written) / turns)) (\(percent(scenario.written, of: scenario.input))); "
                    + "cost per turn \(costs.joined(separator: ", "))")
        }
    }

    private func percent(_ part: Int, of whole: Int) -> String {
        String(format: "%.0f %%", whole == 0 ? 0 : Double(part) / Double(whole) * 100)
    }

    // MARK: - The org

    private func makeOrg(at root: String) throws {
        let paths = OrgPaths(root: root)
        let writer = JSONWriter(style: .pretty)
        try FileSystem.makeDirectory(paths.outbox(Names.human))
        let names = (0..<agents).map { "agent_\(String(format: "%03d", $0))" }
        for (index, name) in names.enumerated() {
            let sources = (1...3).map { names[(index - $0 + agents) % agents] }
            let resume: JSONValue = [
                "name": .string(name), "title": .string("Engineer for component \(index)"),
                "short_description": .string("Owns component \(index) of the product and reports on it."),
                "instructions": .string(Self.instructions(index: index, readers: sources)),
                "workflow_description": .string(
                    "You receive reports from \(sources.joined(separator: ", ")) every tick and the human's requests. "
                        + "Answer questions addressed to you, raise blockers early, and keep your plan in memory. "
                        + "Send one report per tick to everyone who reads you; keep it under 120 words."),
                "model": ["key": "bench", "max_tokens": 600],
                "permissions": ["read_outboxes": .strings(sources + ["human"])],
                "schedule": ["run_every_n_ticks": 1], "credits": ["max_credits": 1_000_000.0],
            ]
            try FileSystem.makeDirectory(paths.agent(name))
            try FileSystem.writeAtomically(writer.bytes(resume), to: paths.resume(name))
        }
        var replies: [UInt8] = []
        let compact = JSONWriter(style: .compact)
        for (index, name) in names.enumerated() {
            let memoryTicks: [Int?] = [nil] + stride(from: 1, through: ticks, by: 5).map { $0 }
            for tick in memoryTicks {
                var reply: JSONObject = [
                    "outbox_entries": [["kind": "report", "payload": ["text": .string(Self.report(index: index))]]],
                    "notes": "reported",
                ]
                if let tick { reply["memory_updates"] = .array(Self.memory(index: index, tick: tick)) }
                var line: JSONObject = ["agent": .string(name), "reply": .object(reply)]
                if let tick { line["tick"] = .int(tick) }
                compact.write(.object(line), into: &replies)
                replies.append(0x0A)
            }
        }
        try FileSystem.writeAtomically(replies, to: root + "/replies.jsonl")
        let models: JSONValue = ["bench": ["provider": "scripted", "replies": "replies.jsonl"]]
        try FileSystem.writeAtomically(writer.bytes(models), to: paths.models)
        let config: JSONValue = [
            "format": 1, "name": "caching-bench", "execution": "parallel", "max_concurrent_turns": 100,
            "loop_detection": ["repeat_limit": 0],
        ]
        try FileSystem.writeAtomically(writer.bytes(config), to: paths.config)
    }

    /// About 6,000 characters of role: what the component is, how to work, what to report, and a
    /// reference of the component's interfaces and conventions.
    static func instructions(index: Int, readers: [String]) -> String {
        let paragraphs = [
            "You own component \(index) of the product: its design, its code, its tests and its release notes. "
                + "The component talks to the components owned by \(readers.joined(separator: ", ")), and a change "
                + "to its interface needs their agreement before it ships.",
            "Work in small steps. Each tick, read the new reports first, decide what changed for your component, "
                + "and update your plan in memory when it changes. Keep the plan to at most five numbered steps, "
                + "each with an owner and a date. When a step is done, say so in your report and move to the next.",
            "When a neighbour reports a problem that touches your component, answer in the same tick with what you "
                + "will do and by when. When you are blocked, say by whom and on what, and propose a way forward. "
                + "Never wait silently: a report that says 'no change' is better than none.",
            "Quality bar: every change has a test; every interface change has a note in the release notes; every "
                + "decision that affects another component is recorded in memory under 'decisions' with the tick "
                + "and the people involved. Prefer reversible decisions; flag irreversible ones to the human.",
            "Reports are for busy readers. Lead with the one thing that changed, then risks, then next steps. No "
                + "greetings, no repetition of earlier reports, no speculation presented as fact. Numbers beat "
                + "adjectives: say how many tests pass, how many issues are open, how many days remain.",
            "The human may ask for a status summary at any time. Answer it directly, in at most five lines, "
                + "addressed to the human only. Escalate to the human when two neighbours disagree for more than "
                + "three ticks, when a deadline will be missed, or when a request conflicts with these instructions.",
            "## Reference: component \(index)\n"
                + "- Interfaces: `parse(record) -> Parsed | Error`, `validate(parsed, rules) -> [Issue]`, "
                + "`store(parsed, batch) -> Receipt`; errors are values, never exceptions; every call is idempotent.\n"
                + "- Data: records are UTF-8 JSON objects of at most 64 KiB; dates are RFC 3339 in UTC; amounts are "
                + "integers of the smallest currency unit; identifiers are lower-case ASCII.\n"
                + "- Dependencies: the shared date library, the storage client, the metrics client; no new "
                + "dependency without a review by two neighbours.\n"
                + "- Tests: unit tests beside the code, one property test per parser rule, an end-to-end test per "
                + "interface; a flaky test is fixed or quarantined within two ticks, never ignored.\n"
                + "- Releases: every two weeks; a release note lists interface changes, migrations and known "
                + "issues; a migration ships one release before the change that needs it.",
            "## Checklist before you report\n"
                + "1. Did anything change for a neighbour? Name them in the report's first line.\n"
                + "2. Is your plan in memory still true? Update it if not.\n"
                + "3. Are the numbers in your report current (tests passing, issues open, days left)?\n"
                + "4. Is there a decision to record under 'decisions'?\n"
                + "5. Is there anything the human must know today? Then send it to the human, marked urgent.",
            "## Glossary\n"
                + "record: one input object. batch: up to 500 records stored together. receipt: what storage returns "
                + "for a batch, with one status per record. rule: a named check of a field (required, type, range, "
                + "pattern, reference). issue: a failed rule with the field, the rule and a message. migration: a "
                + "script that rewrites stored records from one schema version to the next, run once, reversible "
                + "where possible. neighbour: an agent whose component calls yours or is called by it.",
        ]
        return paragraphs.joined(separator: "\n\n")
    }

    /// A report of about 400 characters.
    static func report(index: Int) -> String {
        "Component \(index): the parser refactor is merged and 42 of 45 tests pass; the three failures are in "
            + "the date handling shared with the next component, fix expected in two ticks. Risk: the schema "
            + "change needs a migration note before release. Next: finish the migration script, review the "
            + "neighbours' interface proposal, update the release notes."
    }

    /// The memory an agent writes at `tick`: its context, contacts, decisions, plan and status.
    static func memory(index: Int, tick: Int) -> [JSONValue] {
        let step = tick / 5 + 1
        return [
            [
                "key": "context", "op": "set",
                "value": .string(
                    "Component \(index) parses, validates and stores the product's records. Release train: every "
                        + "two weeks. Owner of the shared date library: component \((index + 1) % 100). Test suite: 45 "
                        + "tests, 3 flaky on CI."),
            ],
            ["key": "contacts", "op": "set", "value": ["human: product owner", "neighbours: interface reviews"]],
            [
                "key": "decisions", "op": "set",
                "value": .strings([
                    "tick 1: keep the v1 interface until the migration note is out",
                    "tick 1: date handling moves to the shared library",
                ]),
            ],
            [
                "key": "plan", "op": "set",
                "value": .string(
                    "\(step). finish the migration script; \(step + 1). review the interface proposal; "
                        + "\(step + 2). update the release notes; \(step + 3). fix the flaky tests"),
            ],
            ["key": "status", "op": "set", "value": .string("working on step \(step)")],
        ]
    }
}
