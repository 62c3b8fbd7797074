import LemmingJSON
import Logging

extension Engine {
    /// Notices edits made while the engine runs (DESIGN §5.1 step 1): `lemming.json`, `models.json`,
    /// and resumes (re-read only when their file changed). New agent folders join; an invalid
    /// resume disables only its agent.
    func refresh() throws {
        var forceRevalidation = false
        let newConfigInfo = FileSystem.info(paths.config)
        if newConfigInfo != configInfo {
            configInfo = newConfigInfo
            let (newConfig, issues) = try store.loadConfig()
            let errors = issues.filter(\.isError)
            var toolProblem: String?
            if errors.isEmpty {
                do {
                    tools = try toolFactory.makeRegistry(config: newConfig, org: paths)
                    config = newConfig
                    planner.invalidateFrames()
                    store.checkpointInterval = newConfig.checkpointEveryTicks
                } catch {
                    toolProblem = "\(error)"
                }
            }
            if let toolProblem {
                note(.configInvalid, ["errors": .strings([toolProblem])])
                logger.warning("the tools of lemming.json are invalid; keeping the previous settings")
            } else if !errors.isEmpty {
                note(.configInvalid, ["errors": .strings(errors.map(\.description))])
                logger.warning("lemming.json is invalid; keeping the previous settings")
            }
            configIssues = issues + configIssues.filter { $0.file != "lemming.json" }
        }
        let newModelsInfo = FileSystem.info(paths.models)
        if newModelsInfo != modelsInfo {
            modelsInfo = newModelsInfo
            let (newRegistry, issues) = try store.loadRegistry()
            registry = newRegistry
            planner.invalidateProviders()
            configIssues = configIssues.filter { $0.file != "models.json" } + issues
            forceRevalidation = true
            if issues.contains(where: \.isError) {
                note(.configInvalid, ["errors": .strings(issues.filter(\.isError).map(\.description))])
            }
        }
        let scanned = try store.scanAgents(
            previous: forceRevalidation ? [:] : agents, registry: registry, knownTools: tools.names)
        var changed = false
        for name in scanned.keys.sorted(by: Names.precedes) {
            guard let record = scanned[name] else { continue }
            let old = agents[name]
            if let old, old.fileInfo == record.fileInfo, old.hasResumeFile == record.hasResumeFile,
                old.resume == record.resume
            {
                continue
            }
            changed = true
            if old == nil, Names.isValidAgentName(name) {
                var unreadable: [LemmingError] = []
                state.memory[name] = try store.loadMemory(of: name, unreadable: &unreadable)
                state.outboxes.setIDs(try store.listOutbox(of: name, unreadable: &unreadable), for: name)
                for error in unreadable {
                    note(.entryUnreadable, agent: name, ["error": .string(error.description)])
                }
            }
            if record.hasResumeFile {
                if record.errors.isEmpty {
                    note(.resumeLoaded, agent: name, ["warnings": .int(record.issues.count)])
                } else {
                    note(
                        .resumeInvalid, agent: name, ["errors": .strings(record.errors.map(\.description))])
                    logger.warning("invalid resume; agent disabled", metadata: ["agent.name": "\(name)"])
                }
            }
        }
        if scanned.count != agents.count || changed {
            agents = scanned
            graph = OrgGraph(resumes: agents.compactMapValues(\.resume))
            planner.invalidateFrames()
        }
    }
}
