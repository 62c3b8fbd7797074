extension FileOrgStore {
    /// Starts recording the state history (``StateHistory``): writes its base line when the org
    /// has none (a new org, or one from before the history), then every commit appends its line.
    ///
    /// - Throws: ``LemmingError`` `.io` when the base cannot be written.
    package func startHistory(_ snapshot: OrgSnapshot) throws {
        let file = paths.root + "/" + StateHistory.file
        let files: [String: [UInt8]]
        let existing = try FileSystem.readIfPresent(file) ?? []
        if existing.isEmpty {
            let base = try StateHistory.base(snapshot, paths: paths)
            try FileSystem.writeAtomically(base, to: file, sync: true)
            files = StateHistoryFile.recordedFiles(in: base)
            history = StateHistory(
                size: base.count, files: files, ledger: snapshot.ledger, cursors: snapshot.cursors,
                runtimes: snapshot.runtimes, tickState: snapshot.tick)
        } else {
            files = StateHistoryFile.recordedFiles(in: existing)
            history = StateHistory(
                size: existing.count, files: files, ledger: snapshot.ledger, cursors: snapshot.cursors,
                runtimes: snapshot.runtimes, tickState: snapshot.tick)
        }
    }

    /// The bytes of a resume or settings file as the state history last recorded them.
    package func recordedFile(_ path: String) -> [UInt8]? { history?.files[path] }
}
