/// A read-only view of an org for `lemming status`: readable while an engine runs, without the lock.
public struct OrgStatus: Sendable {
    /// One agent's line.
    public struct AgentStatus: Sendable {
        public var name: String
        public var title: String?
        /// `active`, `paused`, `loop_detected`, `disabled`, `invalid_resume`, `budget_exhausted`.
        public var state: String
        public var schedule: Schedule?
        public var nextFireTick: Int?
        public var modelKey: String?
        public var balance: Double?
        public var spent: Double
        public var turns: Int
        public var lastTick: Int?
        public var lastStopReason: StopReason?
        public var errors: [ValidationIssue]

        public var json: JSONValue {
            var object = JSONObject()
            object["name"] = .string(name)
            object["title"] = .optional(title)
            object["state"] = .string(state)
            object["schedule"] =
                schedule.map {
                    ["run_every_n_ticks": .int($0.runEveryNTicks), "phase_offset": .int($0.phaseOffset)]
                } ?? .null
            object["next_fire_tick"] = nextFireTick.map(JSONValue.int) ?? .null
            object["model"] = .optional(modelKey)
            object["balance"] = balance.map(JSONValue.double) ?? .null
            object["spent"] = .double(spent)
            object["turns"] = .int(turns)
            object["last_tick"] = lastTick.map(JSONValue.int) ?? .null
            object["last_stop_reason"] = .optional(lastStopReason?.rawValue)
            object["errors"] = .strings(errors.map(\.description))
            return .object(object)
        }
    }

    public var orgName: String
    public var root: String
    public var tick: TickState
    public var isEngineRunning: Bool
    public var agents: [AgentStatus]
    /// Problems worth a look: invalid files, undeliverable entries, exhausted budgets.
    public var warnings: [String]
    public var pendingCommands: Int

    public var json: JSONValue {
        var object = JSONObject()
        object["org"] = .string(orgName)
        object["root"] = .string(root)
        object["next_tick"] = .int(tick.nextTick)
        object["last_committed_tick"] = .int(tick.lastCommittedTick)
        object["paused"] = .bool(tick.isPaused)
        object["engine_running"] = .bool(isEngineRunning)
        object["pending_commands"] = .int(pendingCommands)
        object["agents"] = .array(agents.map(\.json))
        object["warnings"] = .strings(warnings)
        return .object(object)
    }

    /// Reads the status of the org at `root`.
    ///
    /// - Throws: ``LemmingError`` when the directory is not an org or a state file is corrupt.
    public static func read(root: String) throws -> OrgStatus {
        let paths = OrgPaths(root: root)
        let store = FileOrgStore(paths: paths)
        let (config, configIssues) = try store.loadConfig()
        let (registry, registryIssues) = try store.loadRegistry()
        let records = try store.scanAgents(previous: [:], registry: registry, knownTools: nil)
        let snapshot = try store.loadState()
        var warnings = (configIssues + registryIssues).filter(\.isError).map(\.description)
        var agents: [AgentStatus] = []
        for name in records.keys.sorted(by: Names.precedes) where name != Names.human {
            guard let record = records[name], record.hasResumeFile || !record.issues.isEmpty else { continue }
            let runtime = snapshot.runtimes[name]
            let account = snapshot.ledger[name]
            var status = AgentStatus(
                name: name, title: record.resume?.title, state: "active", schedule: record.resume?.schedule,
                nextFireTick: nil, modelKey: record.resume?.model.key,
                balance: account?.balance ?? record.resume?.credits.maxCredits, spent: account?.spent ?? 0,
                turns: account?.turns ?? 0, lastTick: runtime.lastTick, lastStopReason: runtime.lastStopReason,
                errors: record.errors)
            if let resume = record.resume {
                if !resume.isEnabled {
                    status.state = "disabled"
                } else if runtime.isPaused {
                    status.state = runtime.pauseReason == StopReason.loopDetected.rawValue ? "loop_detected" : "paused"
                } else if account?.exhaustionNotified == true {
                    status.state = "budget_exhausted"
                    warnings.append(
                        "\(name) is out of credits (balance \(account?.balance ?? 0)); top it up to continue")
                } else {
                    status.nextFireTick = resume.schedule.nextFireTick(from: snapshot.tick.nextTick)
                }
            } else {
                status.state = "invalid_resume"
                warnings.append(contentsOf: record.errors.map(\.description))
            }
            if runtime.undeliverableEntries > 0 {
                warnings.append(
                    "\(name) wrote \(runtime.undeliverableEntries) entr\(runtime.undeliverableEntries == 1 ? "y" : "ies") "
                        + "addressed to agents that cannot read it")
            }
            agents.append(status)
        }
        // Never take the lock to find out: that could make an engine starting at that moment fail.
        let isRunning = FileLock.holder(paths.lock).map(FileLock.isAlive) ?? false
        let pending = (try FileSystem.list(paths.commands) ?? []).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
        return OrgStatus(
            orgName: config.name, root: paths.root, tick: snapshot.tick, isEngineRunning: isRunning, agents: agents,
            warnings: warnings, pendingCommands: pending.count)
    }
}
