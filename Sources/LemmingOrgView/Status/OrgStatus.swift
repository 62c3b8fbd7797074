import LemmingCore
import LemmingJSON

/// The org at a glance, for `lemming status`: readable while an engine runs, without the lock.
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

    /// The human operator's line.
    public struct HumanStatus: Sendable {
        /// Entries the human has sent.
        public var entries: Int
        /// Agents that read the human directly.
        public var heardBy: [String]

        public var json: JSONValue { ["entries": .int(entries), "heard_by": .strings(heardBy)] }
    }

    public var orgName: String
    public var root: String
    public var tick: TickState
    public var isEngineRunning: Bool
    public var agents: [AgentStatus]
    public var human: HumanStatus
    /// The providers' endpoints and their circuit breakers, as the engine last saw them.
    public var providers: [ProviderHealth]
    /// Problems worth a look: invalid files, undeliverable entries, agents nobody reads or that
    /// cannot hear the human, exhausted budgets, waiting approvals, open circuits.
    public var alerts: [Alert]
    /// The alerts' messages, as `lemming status` prints them.
    public var warnings: [String] { alerts.map(\.message) }
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
        object["human"] = human.json
        object["providers"] = .array(providers.map(\.json))
        object["agents"] = .array(agents.map(\.json))
        object["warnings"] = .strings(warnings)
        object["alerts"] = .array(alerts.map(\.json))
        return .object(object)
    }

    /// Reads the status of the org at `root`.
    ///
    /// - Throws: ``LemmingError`` when the directory is not an org or a state file is corrupt.
    public static func read(root: String) throws -> OrgStatus {
        try OrgStatus(view: OrgView.load(root: root))
    }

    public init(view: OrgView) throws {
        var alerts = view.configIssues.filter(\.isError).map { Alert(.configInvalid, $0.description) }
        alerts += view.stateProblems.map { Alert(.stateProblem, $0) }
        let hearing = view.graph.agentsHearingHuman()
        var agents: [AgentStatus] = []
        for name in view.agentNames {
            guard let record = view.agents[name] else { continue }
            let runtime = view.runtimes[name]
            let account = view.ledger[name]
            let state = view.state(of: name)
            agents.append(
                AgentStatus(
                    name: name, title: record.resume?.title, state: state, schedule: record.resume?.schedule,
                    nextFireTick: view.nextFireTick(of: name), modelKey: record.resume?.model.key,
                    balance: view.balance(of: name), spent: account?.spent ?? 0, turns: account?.turns ?? 0,
                    lastTick: runtime.lastTick, lastStopReason: runtime.lastStopReason, errors: record.errors))
            switch name == Names.human ? nil : view.agentState(of: name) {
            case .invalidResume?:
                alerts += record.errors.map { Alert(.resumeInvalid, agent: name, $0.description) }
                continue
            case .budgetExhausted?:
                alerts.append(
                    Alert(
                        .budgetExhausted, agent: name,
                        "\(name) is out of credits (balance \(account?.balance ?? 0)); top it up to continue"))
            case .loopDetected?:
                alerts.append(
                    Alert(
                        .loopDetected, agent: name,
                        "\(name) was paused: it kept repeating itself (lemming resume \(name))"))
            case .unusableReplies?:
                alerts.append(
                    Alert(
                        .unusableReplies, agent: name,
                        "\(name) was paused: its replies were unusable \(runtime.unusableReplies) turns in a row "
                            + "(lemming logs \(name); lemming resume \(name))"))
            case .active?, .paused?, .disabled?, nil:
                break
            }
            if !runtime.pendingApprovals.isEmpty {
                let count = runtime.pendingApprovals.count
                alerts.append(
                    Alert(
                        .approvalsWaiting, agent: name,
                        "\(name) has \(count) tool call\(count == 1 ? "" : "s") waiting for approval (lemming approvals)"
                    ))
            }
            if runtime.undeliverableEntries > 0 {
                let count = runtime.undeliverableEntries
                alerts.append(
                    Alert(
                        .entriesUndeliverable, agent: name,
                        "\(name) wrote \(count) entr\(count == 1 ? "y" : "ies") addressed to agents that cannot read it"
                    ))
            }
            if view.graph.agentReaders(of: name).isEmpty {
                alerts.append(
                    Alert(.unreadAgent, agent: name, "nobody reads \(name) (only the human sees its entries)"))
            }
            if !hearing.contains(name) {
                alerts.append(
                    Alert(
                        .unreachableAgent, agent: name,
                        "\(name) cannot be reached by the human: it does not read human, directly or through others"))
            }
        }
        let humanEntries = (try? view.entryIDs(of: Names.human).count) ?? 0
        let providers = view.providerHealth
        for endpoint in providers where endpoint.state != .closed {
            let until = endpoint.retryAt.map { " until \($0)" } ?? ""
            alerts.append(
                Alert(
                    .circuitOpen,
                    "the circuit of \(endpoint.endpoint) is \(endpoint.state.rawValue)\(until) after "
                        + "\(endpoint.consecutiveFailures) failures: \(endpoint.lastError ?? "unknown error")"))
        }
        self.init(
            orgName: view.config.name, root: view.paths.root, tick: view.tick, isEngineRunning: view.isEngineRunning,
            agents: agents,
            human: HumanStatus(entries: humanEntries, heardBy: view.graph.agentReaders(of: Names.human)),
            providers: providers, alerts: alerts, pendingCommands: view.pendingCommands)
    }

    public init(
        orgName: String, root: String, tick: TickState, isEngineRunning: Bool, agents: [AgentStatus],
        human: HumanStatus, providers: [ProviderHealth] = [], alerts: [Alert], pendingCommands: Int
    ) {
        self.orgName = orgName
        self.root = root
        self.tick = tick
        self.isEngineRunning = isEngineRunning
        self.agents = agents
        self.human = human
        self.providers = providers
        self.alerts = alerts
        self.pendingCommands = pendingCommands
    }
}
