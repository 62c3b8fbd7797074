import LemmingCore

/// `lemming validate` on `a2a.expose`: a name that is no agent with a valid resume, or an agent that
/// does not read the human (A2A messages are entries from `human`: it would never see them).
extension ValidateCommand {
    static func exposeIssues(_ settings: A2ASettings, resumes: [String: Resume]) -> [ValidationIssue] {
        let graph = OrgGraph(resumes: resumes)
        return settings.expose.enumerated().compactMap { position, name in
            let field = "a2a.expose[\(position)]"
            guard resumes[name] != nil else {
                return ValidationIssue(
                    .warning, file: "lemming.json", field: field, rule: "unknown_agent",
                    message: "no agent named '\(name)' with a valid resume: it is left off the Agent Card")
            }
            guard graph.canRead(name, Names.human) else {
                return ValidationIssue(
                    .warning, file: "lemming.json", field: field, rule: "not_listening",
                    message: "\(name) does not read human, so A2A messages (entries from human) would never reach it")
            }
            return nil
        }
    }
}
