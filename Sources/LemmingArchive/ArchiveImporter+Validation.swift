import LemmingCore

extension ArchiveImporter {
    /// The largest `lemming.json` or `models.json` read from an archive (1 MiB).
    static let maxSettingsBytes = 1 << 20

    /// Validates an org archive's `lemming.json`, `models.json` and every resume before anything is
    /// written, with the one resume validator (DESIGN §2.1) and the archive's own model registry.
    ///
    /// - Returns: the warnings.
    /// - Throws: ``LemmingError`` `.invalidFile` listing every error.
    func validateOrg() throws -> [ValidationIssue] {
        guard listed["lemming.json"] != nil else {
            throw LemmingError(.invalidArchive, "the archive holds no lemming.json: not an org", path: file)
        }
        let (_, configIssues) = OrgConfig.parse(try readSettings("lemming.json") ?? [], defaultName: manifest.org)
        let (registry, registryIssues) = ModelRegistry.load(try readSettings("models.json"))
        var issues = configIssues + registryIssues
        let names = resumeFolders()
        for name in names.sorted() {
            issues += try validateResume(of: name, modelKeys: registry.keys, knownAgents: names)
        }
        for directory in manifest.directories where isResumePath(directory) {
            issues.append(
                ValidationIssue(
                    .error, file: directory, field: "", rule: "file",
                    message: "is a folder; a resume must be a JSON file"))
        }
        return try errorsRefused(issues)
    }

    /// Validates an agent archive's resume against the org at `paths` (its model registry and agents).
    ///
    /// - Returns: the warnings.
    /// - Throws: ``LemmingError`` `.invalidFile` listing every error, `.invalidArchive` without a resume.
    func validateAgent(_ agent: String, into paths: OrgPaths) throws -> [ValidationIssue] {
        guard listed["agents/\(agent)/resume.json"] != nil else {
            throw LemmingError(.invalidArchive, "the archive holds no agents/\(agent)/resume.json", path: file)
        }
        let (registry, _) = try FileOrgStore(paths: paths).loadRegistry()
        var agents = Set(
            (try FileSystem.list(paths.agents) ?? []).filter {
                FileSystem.info(paths.resume($0))?.isRegularFile == true
            })
        agents.insert(agent)
        return try errorsRefused(validateResume(of: agent, modelKeys: registry.keys, knownAgents: agents))
    }

    private func validateResume(
        of name: String, modelKeys: Set<String>, knownAgents: Set<String>
    ) throws
        -> [ValidationIssue]
    {
        let path = "agents/\(name)/resume.json"
        guard let listedFile = listed[path] else { return [] }
        guard listedFile.size <= ResumeValidator.maxFileBytes else {
            return [ResumeValidator.tooLarge(size: listedFile.size, file: path)]
        }
        let validator = ResumeValidator(
            context: .init(folderName: name, modelKeys: modelKeys, knownAgents: knownAgents))
        return validator.validate(bytes: try read(path) ?? [], file: path).issues
    }

    /// The folders `agents/<name>` that hold a `resume.json` file.
    private func resumeFolders() -> Set<String> {
        Set(
            manifest.files.compactMap { file in
                guard isResumePath(file.path) else { return nil }
                return String(file.path.dropFirst("agents/".count).dropLast("/resume.json".count))
            })
    }

    private func isResumePath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == "agents" && parts[2] == "resume.json"
    }

    private func readSettings(_ path: String) throws -> [UInt8]? {
        if let size = listed[path]?.size, size > Self.maxSettingsBytes {
            throw LemmingError(
                .invalidFile, "is \(size) bytes, more than the \(Self.maxSettingsBytes) bytes accepted", path: path)
        }
        return try read(path)
    }

    /// The warnings of `issues`, or an error naming every error among them.
    private func errorsRefused(_ issues: [ValidationIssue]) throws -> [ValidationIssue] {
        let errors = issues.filter(\.isError)
        guard errors.isEmpty else {
            throw LemmingError(
                .invalidFile,
                "the archive does not validate, nothing was written: "
                    + errors.map(\.description).joined(separator: "; "))
        }
        return issues.filter { !$0.isError }
    }
}
