import ArgumentParser
import Foundation
import LemmingCore
import LemmingJSON
import LemmingProviders
import LemmingSearch

/// `lemming search QUERY`: full-text search of what the org said, did and remembered.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search outbox entries (archived ones too), memory records and turn records.",
        discussion: """
            QUERY is SQLite FTS5 syntax: words (all must match), "quoted phrases", prefix*, AND / OR / NOT, \
            NEAR(a b). Words with punctuation go in double quotes: '"login-page"'. An empty QUERY lists what the \
            filters let through, newest first. Lists (--agent, --kind, --tag, --priority, --in) take a value \
            several times or commas: --agent coder,reviewer. --kind filters entries by kind, turn records by stop \
            reason and memory by last operation. Results come from the search index (state/search.sqlite), \
            caught up with the org first; --json prints the page as GET /api/search answers.
            """
    )

    /// The order of results (`SearchQuery.Order`, as an argument).
    enum Order: String, ExpressibleByArgument, CaseIterable {
        case relevance
        case time
    }

    @OptionGroup var org: OrgOptions

    @Argument(help: "What to look for (FTS5 syntax: words, \"phrases\", prefix*, AND / OR / NOT).")
    var query: String

    @Option(
        name: .customLong("agent"),
        help: "Authors of entries, owners of memory records, agents of turn records (a list).")
    var agents: [String] = []

    @Option(name: .customLong("kind"), help: "Entry kinds; for turn records, stop reasons (a list).")
    var kinds: [String] = []

    @Option(help: "Entries addressed to this agent (or human).")
    var recipient: String?

    @Option(help: "Entries of this thread (the id of its first entry).")
    var thread: String?

    @Option(name: .customLong("tag"), help: "Entries with any of these tags (a list).")
    var tags: [String] = []

    @Option(name: .customLong("priority"), help: "Entries of these priorities: urgent, normal, low (a list).")
    var priorities: [String] = []

    @Option(help: "From this tick on.")
    var fromTick: Int?

    @Option(help: "Up to this tick.")
    var toTick: Int?

    @Option(
        name: .customLong("in"),
        help: ArgumentHelp("Where to look: entries, memory, turns (a list; default all three).", valueName: "sources"))
    var sources: [String] = []

    @Option(help: "relevance (best match first) or time (newest first).")
    var order: Order = .relevance

    @Option(name: .shortAndLong, help: "Results per page (1 to 1000).")
    var number = 20

    @Option(help: "Where the page starts: the cursor the previous page printed.")
    var cursor: String?

    @Flag(
        help: ArgumentHelp(
            "Rank memory records by meaning (the embeddings of search.embeddings in lemming.json); its "
                + "embedding calls are yours, reported and charged to no agent."))
    var semantic = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (1...1_000).contains(number) else { throw ValidationError("-n must be between 1 and 1000") }
        for (name, tick) in [("--from-tick", fromTick), ("--to-tick", toTick)] where (tick ?? 0) < 0 {
            throw ValidationError("\(name) must be zero or more")
        }
        let search = try searchQuery()
        if semantic, !search.sources.contains(.memory) {
            throw ValidationError("--semantic ranks memory records: --in must include memory")
        }
    }

    /// The options as a ``SearchQuery``.
    ///
    /// - Throws: `ValidationError` for a source or priority that does not exist.
    func searchQuery() throws -> SearchQuery {
        var search = SearchQuery(query)
        let sources = Self.list(self.sources)
        if !sources.isEmpty {
            search.sources = Set(
                try sources.map { name in
                    guard let source = SearchSource(rawValue: name) else {
                        throw ValidationError("--in must be entries, memory or turns, not '\(name)'")
                    }
                    return source
                })
        }
        let priorities = Self.list(self.priorities)
        if !priorities.isEmpty {
            search.priorities = Set(
                try priorities.map { name in
                    guard let priority = Priority(rawValue: name) else {
                        throw ValidationError("--priority must be urgent, normal or low, not '\(name)'")
                    }
                    return priority
                })
        }
        search.agents = Self.set(agents)
        search.kinds = Self.set(kinds)
        search.tags = Self.set(tags)
        search.recipient = recipient
        search.thread = thread
        search.fromTick = fromTick
        search.toTick = toTick
        search.order = order == .time ? .time : .relevance
        search.limit = number
        search.cursor = cursor
        return search
    }

    func run() async throws {
        let index = try SearchIndexAccess.open(OrgPaths(root: try org.resolve()))
        let search = try searchQuery()
        if semantic { return try await runSemantic(search, index: index) }
        let page: SearchPage
        do {
            page = try index.search(search)
        } catch let error as LemmingError where error.code == .badQuery {
            // An argument that is not valid: a usage error, pointing at the help that gives the syntax.
            let option = error.field == "cursor" ? "--cursor: " : ""
            throw ValidationError(option + error.message)
        }
        if output.json {
            try Terminal.printJSON(page.json(search, freshness: try index.freshness()))
            return
        }
        let style = Style.standardOutput
        for hit in page.hits { try SearchFormatting.lines(hit, style: style).forEach { try Terminal.print($0) } }
        try Terminal.print(SearchFormatting.footer(page))
    }

    /// Ranks memory by meaning: the records of `--agent` (or every agent's).
    private func runSemantic(_ search: SearchQuery, index: SearchIndex) async throws {
        guard let text = search.text, !text.trimmingWhitespace().isEmpty else {
            throw ValidationError("--semantic needs the text to compare with")
        }
        let (config, _) = try FileOrgStore(paths: index.paths).loadConfig()
        let providers = ProviderFactory(environment: ProcessInfo.processInfo.environment)
        guard let memory = try EngineFactory.semanticMemory(index: index, config: config, providers: providers) else {
            throw LemmingError(
                .invalidArgument, "--semantic needs search.embeddings (a model key) in lemming.json",
                path: "lemming.json", field: "search.embeddings")
        }
        let result = try await memory.search(
            text, agents: search.agents, limit: search.limit, mode: config.search.memoryRanking)
        if output.json {
            try Terminal.printJSON(result.json(query: text, memory: memory, mode: config.search.memoryRanking))
            return
        }
        let style = Style.standardOutput
        for hit in result.hits { try SearchFormatting.lines(hit, style: style).forEach { try Terminal.print($0) } }
        try Terminal.print(
            "\(result.hits.count) memory record\(result.hits.count == 1 ? "" : "s") by meaning "
                + "(\(config.search.memoryRanking.rawValue), \(memory.model)); embedded \(result.embedded) record"
                + "\(result.embedded == 1 ? "" : "s"), \(result.usage.inputTokens) tokens, "
                + "\(Terminal.credits(result.cost)) credits")
    }

    /// The values of a list option, each split at commas.
    static func list(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    private static func set(_ values: [String]) -> Set<String>? {
        let list = list(values)
        return list.isEmpty ? nil : Set(list)
    }
}
