import LemmingCore
import LemmingJSON

/// A scenario file of `lemming test`: an org, where its replies come from, the human's messages
/// by tick, a tick budget and what must hold at the end (the format is ``ScenarioSchema``).
///
/// Ticks are counted from the scenario's start: tick 1 is the first tick it runs (for a new org,
/// the org's tick 1). Paths are relative to the scenario file.
public struct Scenario: Sendable, Equatable {
    /// The org a scenario starts from; it is copied to a scratch folder, never changed.
    public enum Base: Sendable, Equatable {
        /// An org folder (absolute).
        case org(String)
        /// A built-in template by name (`init`).
        case template(String)
    }

    /// Where the models' replies come from.
    public enum Replies: Sendable, Equatable {
        /// The org's own models.
        case org
        /// A cassette (absolute path, the path as written, `strict` or `lenient`).
        case cassette(path: String, file: String, mode: String)
        /// Lines of a scripted model's replies file.
        case scripted([JSONValue])
        /// A live model of the registry, by key.
        case model(String)
    }

    /// A message of the human, sent just before a tick runs.
    public struct Message: Sendable, Equatable {
        public var tick: Int
        public var recipients: [String]
        public var text: String
        public var kind: String
        public var priority: Priority
    }

    /// An entry that must exist by the end, or by a tick.
    public struct EntryExpectation: Sendable, Equatable {
        public var from: String
        public var to: String?
        public var kind: String?
        public var contains: String?
        public var byTick: Int?

        /// The expectation in words: `entry manager → human, kind response, containing “login”, by tick 4`.
        public var description: String {
            var text = "entry from \(from)"
            if let to { text += " to \(to)" }
            if let kind { text += " of kind \(kind)" }
            if let contains { text += " containing “\(contains)”" }
            if let byTick { text += " by tick \(byTick)" }
            return text
        }
    }

    /// A judge model's score of the run.
    public struct Rubric: Sendable, Equatable {
        public var judge: String
        public var prompt: String
        public var threshold: Double
    }

    /// What must hold at the end.
    public struct Expectations: Sendable, Equatable {
        public var entries: [EntryExpectation] = []
        public var noViolations = false
        public var maxCost: Double?
        public var noLoopDetected = false
        public var noFailedTurns = false
        public var rubric: Rubric?
    }

    public var name: String
    /// The file as shown in reports.
    public var file: String
    public var description: String?
    public var base: Base
    public var replies: Replies
    public var messages: [Message]
    public var ticks: Int
    public var expect: Expectations

    /// Reads and checks a scenario file.
    ///
    /// - Parameters:
    ///   - path: the file's absolute path.
    ///   - file: the file as shown in errors and reports.
    /// - Throws: ``LemmingError`` `.invalidFile` naming the file and what is wrong (the first problem
    ///   the schema finds), `.notFound` when it does not exist.
    public static func load(path: String, file: String) throws -> Scenario {
        guard let bytes = try FileSystem.readIfPresent(path) else {
            throw LemmingError(.notFound, "the scenario file does not exist", path: file)
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw LemmingError(.invalidFile, "not valid JSON (\(error))", path: file)
        }
        if let problem = ArgumentValidator.problem(with: value, schema: ScenarioSchema.document, path: "scenario") {
            throw LemmingError(.invalidFile, problem, path: file)
        }
        return try Scenario(value, path: path, file: file)
    }

    private init(_ value: JSONValue, path: String, file: String) throws {
        let folder = FileSystem.parentDirectory(of: path)
        func resolve(_ relative: String) -> String {
            relative.hasPrefix("/") ? relative : (folder.isEmpty ? relative : folder + "/" + relative)
        }
        func invalid(_ field: String, _ message: String) -> LemmingError {
            LemmingError(.invalidFile, message, path: file, field: field)
        }
        self.file = file
        let base = String(file.split(separator: "/").last ?? Substring(file))
        name = value["name"]?.stringValue ?? (base.hasSuffix(".json") ? String(base.dropLast(5)) : base)
        description = value["description"]?.stringValue
        switch (value["org"]?.stringValue, value["template"]?.stringValue) {
        case (let org?, nil): self.base = .org(resolve(org))
        case (nil, let template?): self.base = .template(template)
        default: throw invalid("org", "give either \"org\" or \"template\", not both")
        }
        let replies = value["replies"]
        if let cassette = replies?["cassette"]?.stringValue {
            self.replies = .cassette(
                path: resolve(cassette), file: cassette, mode: replies?["mode"]?.stringValue ?? "strict")
        } else if let lines = replies?["scripted"]?.arrayValue {
            self.replies = .scripted(lines)
        } else if let model = replies?["model"]?.stringValue {
            self.replies = .model(model)
        } else {
            self.replies = .org
        }
        if replies?["mode"] != nil, replies?["cassette"] == nil {
            throw invalid("replies.mode", "applies only to a cassette")
        }
        ticks = value["ticks"]?.intValue ?? 1
        messages = try (value["messages"]?.arrayValue ?? []).enumerated().map { index, message in
            let to = message["to"]?.stringValue.map { [$0] } ?? message["to"]?.arrayValue?.compactMap(\.stringValue)
            let tick = message["tick"]?.intValue ?? 1
            guard tick <= value["ticks"]?.intValue ?? 1 else {
                throw invalid("messages[\(index)].tick", "is after the last tick the scenario runs")
            }
            return Message(
                tick: tick, recipients: to ?? [], text: message["text"]?.stringValue ?? "",
                kind: message["kind"]?.stringValue ?? "message",
                priority: message["priority"]?.stringValue.flatMap(Priority.init(rawValue:)) ?? .normal)
        }
        let expect = value["expect"]
        self.expect = Expectations(
            entries: (expect?["entries"]?.arrayValue ?? []).map { entry in
                EntryExpectation(
                    from: entry["from"]?.stringValue ?? "", to: entry["to"]?.stringValue,
                    kind: entry["kind"]?.stringValue, contains: entry["contains"]?.stringValue,
                    byTick: entry["by_tick"]?.intValue)
            },
            noViolations: expect?["no_violations"]?.boolValue ?? false, maxCost: expect?["max_cost"]?.doubleValue,
            noLoopDetected: expect?["no_loop_detected"]?.boolValue ?? false,
            noFailedTurns: expect?["no_failed_turns"]?.boolValue ?? false,
            rubric: expect?["rubric"].map { rubric in
                Rubric(
                    judge: rubric["judge"]?.stringValue ?? "", prompt: rubric["prompt"]?.stringValue ?? "",
                    threshold: rubric["threshold"]?.doubleValue ?? 1)
            })
    }

    /// The agent names the scenario mentions (recipients, authors, recipients of expected entries).
    var mentionedAgents: [(field: String, name: String)] {
        var names: [(String, String)] = []
        for (index, message) in messages.enumerated() {
            names += message.recipients.map { ("messages[\(index)].to", $0) }
        }
        for (index, entry) in expect.entries.enumerated() {
            names.append(("expect.entries[\(index)].from", entry.from))
            if let to = entry.to { names.append(("expect.entries[\(index)].to", to)) }
        }
        return names
    }
}
