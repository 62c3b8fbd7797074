import LemmingCore
import LemmingOrgView
import Synchronization

/// The org as the API reads it: an ``OrgView`` reloaded only when one of its files changed.
///
/// The engine (here or in another process) writes the files; the reader compares the size,
/// modification time and inode of the settings, the state files, the agents folder and every
/// resume with those it last loaded, so an unchanged org costs a few `stat` calls per request.
final class OrgReader: Sendable {
    let paths: OrgPaths
    private let cache = Mutex<(fingerprint: [FileInfo?], view: OrgView)?>(nil)

    init(paths: OrgPaths) {
        self.paths = paths
    }

    /// The current view of the org.
    ///
    /// - Throws: ``LemmingError`` when the org cannot be read.
    func view() throws -> OrgView {
        if let cached = cache.withLock({ $0 }), fingerprint(agents: cached.view.agents.keys) == cached.fingerprint {
            return cached.view
        }
        let view = try OrgView.load(root: paths.root)
        let stamp = fingerprint(agents: view.agents.keys)
        cache.withLock { $0 = (stamp, view) }
        return view
    }

    private func fingerprint(agents: Dictionary<String, AgentRecord>.Keys) -> [FileInfo?] {
        var files = [
            paths.config, paths.models, paths.tick, paths.ledger, paths.cursors, paths.agentStates, paths.agents,
        ]
        for name in agents.sorted() { files.append(paths.resume(name)) }
        return files.map(FileSystem.info)
    }
}
