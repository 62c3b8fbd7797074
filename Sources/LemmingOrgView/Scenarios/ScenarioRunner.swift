import Foundation
import LemmingCore
import LemmingJSON

/// Runs scenarios (`lemming test`): each on a scratch copy of its org, with its replies, its
/// human messages and its tick budget, then checks its expectations.
///
/// The original org (or cassette, or template) is never written, except that ``isRecording``
/// replaces a scenario's cassette with the one its run recorded. Failures never throw: a scenario
/// that cannot run is a result with an ``ScenarioResult/error``.
public struct ScenarioRunner: Sendable {
    /// The engine of a scratch org (its root), as the composition root builds engines.
    public var configuration: @Sendable (String) throws -> Engine.Configuration
    /// Makes the rubric judges' providers.
    public var providers: any ModelProviderFactory
    /// Writes a built-in template's org into an empty folder, by template name.
    public var templates: [String: @Sendable (String) throws -> Void]
    /// Where scratch copies are made.
    public var scratchFolder: String
    /// Run the org's own models and record to each scenario's cassette (`--record`).
    public var isRecording = false
    /// Keep the scratch copies (`--keep`) instead of removing them.
    public var keepsScratch = false

    public init(
        configuration: @escaping @Sendable (String) throws -> Engine.Configuration,
        providers: any ModelProviderFactory,
        templates: [String: @Sendable (String) throws -> Void],
        scratchFolder: String
    ) {
        self.configuration = configuration
        self.providers = providers
        self.templates = templates
        self.scratchFolder = scratchFolder
    }

    /// The scratch org's cassette while recording (relative to it).
    static let recordingFile = "cassettes/scenario-recording.jsonl"
    /// The scratch org's replies file for inline scripted replies.
    static let scriptedFile = "scenario-replies.jsonl"

    /// Runs `scenario` and checks it.
    public func run(_ scenario: Scenario) async -> ScenarioResult {
        var result = ScenarioResult(name: scenario.name, file: scenario.file)
        let started = ContinuousClock.now
        let root = scratchFolder + "/lemming-scenario-" + UUID().uuidString.lowercased()
        do {
            try await run(scenario, in: root, into: &result)
        } catch {
            result.error = "\(error)"
            result.checks = []
        }
        if keepsScratch {
            result.scratch = root
        } else {
            try? FileSystem.removeTree(root)
        }
        let elapsed = ContinuousClock.now - started
        result.durationSeconds =
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return result
    }

    private func run(_ scenario: Scenario, in root: String, into result: inout ScenarioResult) async throws {
        if !isRecording, case .cassette(let path, let file, _) = scenario.replies, !FileSystem.exists(path) {
            throw LemmingError(
                .notFound, "the cassette \(file) does not exist: record it with `lemming test --record`",
                path: scenario.file, field: "replies.cassette")
        }
        try makeOrg(scenario.base, at: root)
        let before = try OrgView.load(root: root)
        for (field, name) in scenario.mentionedAgents where !before.isParticipant(name) {
            throw LemmingError(.invalidFile, "no agent named '\(name)' in the org", path: scenario.file, field: field)
        }
        try pointModels(of: before, to: scenario)
        let start = before.tick.nextTick
        var reports: [TickReport] = []
        try await Engine.withEngine(configuration(root)) { engine in
            for tick in 1...scenario.ticks {
                let messages = scenario.messages.filter { $0.tick == tick }
                if !messages.isEmpty {
                    let commands = messages.map {
                        ControlCommand.send(
                            HumanMessage(to: $0.recipients, text: $0.text, kind: $0.kind, priority: $0.priority))
                    }
                    let events = try await engine.apply(commands)
                    if let rejected = events.first(where: { $0.kind == .commandRejected }) {
                        let reason = rejected.data["error"]?.stringValue ?? "refused"
                        throw LemmingError(
                            .invalidFile, "a message of tick \(tick) was refused: \(reason)", path: scenario.file)
                    }
                }
                reports.append(try await engine.runTick())
            }
        }
        if isRecording, case .cassette(let path, let file, _) = scenario.replies {
            let recorded = try FileSystem.readIfPresent(before.paths.absolute(Self.recordingFile)) ?? []
            try FileSystem.makeDirectory(FileSystem.parentDirectory(of: path))
            try FileSystem.writeAtomically(recorded, to: path, sync: true)
            result.recorded = file
        }
        let after = try OrgView.load(root: root)
        var checks = ScenarioChecks(scenario: scenario, before: before, after: after, start: start, reports: reports)
        try checks.evaluate()
        result.checks = checks.checks
        result.ticks = reports.count
        result.turns = reports.reduce(0) { $0 + $1.turns.count }
        result.entries = checks.entries.count
        result.cost = checks.cost
        if let rubric = scenario.expect.rubric {
            let (check, cost) = await judge(
                rubric, transcript: checks.transcript, registry: before.registry, root: root)
            result.checks.append(check)
            result.judgeCost = cost
        }
    }

    /// Copies the scenario's org (or writes its template) into the empty folder `root`.
    private func makeOrg(_ base: Scenario.Base, at root: String) throws {
        try FileSystem.makeDirectory(scratchFolder)
        switch base {
        case .org(let source):
            guard FileSystem.exists(source + "/lemming.json") else {
                throw LemmingError(.notAnOrg, "the scenario's org is not an org (no lemming.json)", path: source)
            }
            do {
                try FileManager.default.copyItem(atPath: source, toPath: root)
            } catch {
                throw LemmingError(
                    .io, "could not copy the org to \(root): \(error.localizedDescription)", path: source)
            }
            // A copy of an index or a lock is no use to the scratch org.
            for name in ["search.sqlite", "search.sqlite-wal", "search.sqlite-shm"] {
                try FileSystem.remove(root + "/state/" + name)
            }
        case .template(let name):
            guard let write = templates[name] else {
                throw LemmingError(.notFound, "no template named '\(name)'", field: "template")
            }
            try FileSystem.makeDirectory(root)
            try write(root)
        }
    }

    /// Points every model key the org's agents use at the scenario's replies (keeping prices), or,
    /// when recording, makes each of them record.
    private func pointModels(of view: OrgView, to scenario: Scenario) throws {
        let keys = Set(view.agentNames.compactMap { view.agents[$0]?.resume?.model.key })
        guard !keys.isEmpty else { return }
        var models =
            try FileSystem.readIfPresent(view.paths.models).flatMap { try JSONValue.parse($0).objectValue }
            ?? JSONObject()
        func prices(of key: String) -> JSONObject {
            var entry = JSONObject()
            for field in ["price_in_per_mtok", "price_out_per_mtok", "cost_per_call"] {
                entry[field] = view.registry[key]?.document[field]
            }
            return entry
        }
        for key in keys.sorted() {
            var entry: JSONObject
            switch scenario.replies {
            case .org:
                continue
            case .cassette(let path, _, let mode):
                if isRecording {
                    guard let document = view.registry[key]?.document else { continue }
                    entry = document
                    entry["record"] = .string(Self.recordingFile)
                } else {
                    entry = ["provider": "cassette", "cassette": .string(path), "mode": .string(mode)]
                    entry.merge(prices(of: key))
                }
            case .scripted(let lines):
                let text = lines.map { $0.compactText }.joined(separator: "\n") + "\n"
                try FileSystem.writeAtomically(Array(text.utf8), to: view.paths.absolute(Self.scriptedFile))
                entry = ["provider": "scripted", "replies": .string(Self.scriptedFile)]
                entry.merge(prices(of: key))
            case .model(let model):
                guard let document = view.registry[model]?.document else {
                    throw LemmingError(
                        .invalidFile, "'\(model)' is not a key of the org's model registry", path: scenario.file,
                        field: "replies.model")
                }
                entry = document
            }
            models[key] = .object(entry)
        }
        try FileSystem.writeAtomically(JSONWriter(style: .pretty).bytes(.object(models)), to: view.paths.models)
    }
}

extension JSONObject {
    /// Sets every member of `other` that is not `nil`.
    fileprivate mutating func merge(_ other: JSONObject) {
        for (key, value) in other { self[key] = value }
    }
}
