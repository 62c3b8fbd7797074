import Foundation
import LemmingCore
import LemmingJSON
import LemmingSearch
import Logging

/// `lemming-bench search DIR`: the search index of an org (made by `make-history`), in process.
///
/// First the full rebuild (`SearchIndex.rebuild()`: every entry file, memory record and turn log
/// read and indexed into a new file), `rebuilds` times; then the latency of `SearchIndex.search`
/// — the call `GET /api/search` and `GET /api/messages` make, snippets and rows included — for
/// each query of ``cases``, `samples` times after two warm-up calls (fewer when a query takes
/// long: at most `budget` seconds a query), with the total count asked for on the first page and
/// without.
struct SearchBenchmark {
    /// The target of issue 13 for a query at 1,000,000 entries.
    static let targetSeconds = 0.050

    let root: String
    let rebuilds: Int
    let samples: Int
    let budget: Double

    private var paths: OrgPaths { OrgPaths(root: root) }
    private static let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

    /// One query of the table.
    struct Case {
        var label: String
        var query: SearchQuery
        /// Time order only (a listing without text has no relevance).
        var timeOnly = false
    }

    /// One measured variant of a case.
    struct Measurement {
        var label: String
        var order: SearchQuery.Order
        var counts: Bool
        var total: Int?
        var hits: Int
        var median: Double
        var p99: Double
        var samples: Int
    }

    func run() throws {
        // With no rebuilds asked for, the index there is used (opening it builds it if needed).
        let rebuild = try measureRebuild()
        let index = try SearchIndex.open(paths, logger: Self.logger)
        let status = try index.status()
        let tick = try lastTick()
        print(
            "search: index of \(status.counts.entries) entries (\(status.counts.archivedEntries) archived), "
                + "\(status.counts.memory) memory records, \(status.counts.turns) turn records; last tick \(tick)")
        var measurements: [Measurement] = []
        for item in Self.cases(lastTick: tick) {
            let orders: [SearchQuery.Order] = item.timeOnly ? [.time] : [.relevance, .time]
            for order in orders {
                for counts in [true, false] {
                    let measurement = try measure(item, order: order, counts: counts, index: index)
                    measurements.append(measurement)
                    print(
                        "  \(item.label), \(order.rawValue)\(counts ? ", counted" : ""): "
                            + "median \(milliseconds(measurement.median)) ms, p99 \(milliseconds(measurement.p99)) ms "
                            + "(\(measurement.samples) runs, \(measurement.hits) hits"
                            + "\(measurement.total.map { ", total \($0)" } ?? ""))")
                }
            }
        }
        let sizes = ["", "-wal"].map { FileSystem.info(paths.searchIndex + $0)?.size ?? 0 }
        index.close()
        print("")
        print(
            "search: rebuild median \(format(median(rebuild))) s (runs: \(rebuild.map(format).joined(separator: ", "))); "
                + "index \(megabytes(sizes[0])) MB + WAL \(megabytes(sizes[1])) MB")
        printTable(measurements)
    }

    /// Rebuilds the index `rebuilds` times from the files.
    private func measureRebuild() throws -> [Double] {
        let clock = ContinuousClock()
        var times: [Double] = []
        for run in 0..<rebuilds {
            for suffix in ["", "-wal", "-shm"] { try? FileSystem.remove(paths.searchIndex + suffix) }
            // Opened at first use: the rebuild is the first thing it does.
            let index = SearchIndex(paths, logger: Self.logger)
            let start = clock.now
            let counts = try index.rebuild()
            times.append(seconds(clock.now - start))
            index.close()
            print(
                "search: rebuild \(run + 1): \(format(times[times.count - 1])) s, \(counts.entries) entries, "
                    + "\(counts.memory) memory records, \(counts.turns) turn records")
        }
        return times
    }

    private func lastTick() throws -> Int {
        let bytes = try FileSystem.read(paths.tick)
        return try TickState(json: JSONValue.parse(bytes), file: "state/tick.json").lastCommittedTick
    }

    private func measure(_ item: Case, order: SearchQuery.Order, counts: Bool, index: SearchIndex) throws -> Measurement
    {
        var query = item.query
        query.order = order
        query.counts = counts
        let clock = ContinuousClock()
        var page = try index.search(query)
        page = try index.search(query)
        var times: [Double] = []
        let started = clock.now
        while times.count < samples, times.count < 5 || seconds(clock.now - started) < budget {
            let start = clock.now
            page = try index.search(query)
            times.append(seconds(clock.now - start))
        }
        return Measurement(
            label: item.label, order: order, counts: counts, total: page.total, hits: page.hits.count,
            median: median(times), p99: percentile(times, 0.99), samples: times.count)
    }

    // MARK: - The queries

    static func cases(lastTick: Int) -> [Case] {
        let vocabulary = Vocabulary()
        let frequent = vocabulary.word(rank: 0)
        let common = vocabulary.word(rank: 30)
        let mid = vocabulary.word(rank: 300)
        let rare = vocabulary.word(rank: 3_500)
        func text(_ text: String, _ configure: (inout SearchQuery) -> Void = { _ in }) -> SearchQuery {
            var query = SearchQuery(text)
            configure(&query)
            return query
        }
        func listing(_ configure: (inout SearchQuery) -> Void) -> SearchQuery {
            var query = SearchQuery(nil)
            query.sources = [.entries]
            configure(&query)
            return query
        }
        let recent = max(1, lastTick - lastTick / 10)
        var cases = [
            Case(label: "word, frequent (\"\(frequent)\")", query: text(frequent)),
            Case(label: "word, common (\"\(common)\")", query: text(common)),
            Case(label: "word, mid-frequency (\"\(mid)\")", query: text(mid)),
            Case(label: "word, rare (\"\(rare)\")", query: text(rare)),
            Case(label: "phrase (\"\\\"root cause\\\"\")", query: text("\"root cause\"")),
            Case(label: "prefix (\"deploy*\")", query: text("deploy*")),
        ]
        for (word, name) in [(common, "common"), (frequent, "frequent")] {
            cases += [
                Case(label: "\(name) word, agent=agent_00042", query: text(word) { $0.agents = ["agent_00042"] }),
                Case(label: "\(name) word, kind=report", query: text(word) { $0.kinds = ["report"] }),
                Case(label: "\(name) word, recipient=agent_00042", query: text(word) { $0.recipient = "agent_00042" }),
                Case(label: "\(name) word, ticks \(recent)–\(lastTick)", query: text(word) { $0.fromTick = recent }),
                Case(label: "\(name) word, tag=security", query: text(word) { $0.tags = ["security"] }),
            ]
        }
        cases += [
            Case(label: "entries, no text", query: listing { _ in }, timeOnly: true),
            Case(label: "entries, kind=report", query: listing { $0.kinds = ["report"] }, timeOnly: true),
            Case(label: "entries, agent=agent_00042", query: listing { $0.agents = ["agent_00042"] }, timeOnly: true),
            Case(
                label: "entries, recipient=agent_00042", query: listing { $0.recipient = "agent_00042" }, timeOnly: true
            ),
            Case(label: "entries, tag=security", query: listing { $0.tags = ["security"] }, timeOnly: true),
            Case(
                label: "entries, kind=report, ticks \(recent)–\(lastTick)",
                query: listing {
                    $0.kinds = ["report"]
                    $0.fromTick = recent
                }, timeOnly: true),
        ]
        return cases
    }

    // MARK: - The table

    private func printTable(_ measurements: [Measurement]) {
        print("")
        print("| query | total | relevance, counted | relevance | time, counted | time |")
        print("|---|---|---|---|---|---|")
        var labels: [String] = []
        for measurement in measurements where !labels.contains(measurement.label) { labels.append(measurement.label) }
        for label in labels {
            let rows = measurements.filter { $0.label == label }
            func cell(_ order: SearchQuery.Order, _ counts: Bool) -> String {
                guard let row = rows.first(where: { $0.order == order && $0.counts == counts }) else { return "–" }
                let mark = row.p99 > Self.targetSeconds ? " ✗" : ""
                return "\(milliseconds(row.median)) / \(milliseconds(row.p99))\(mark)"
            }
            let total = rows.compactMap(\.total).first.map(String.init) ?? "–"
            print(
                "| \(label) | \(total) | \(cell(.relevance, true)) | \(cell(.relevance, false)) | "
                    + "\(cell(.time, true)) | \(cell(.time, false)) |")
        }
        print("(median / p99 in ms; ✗: p99 over the \(Int(Self.targetSeconds * 1000)) ms target)")
    }

    private func megabytes(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }
}
