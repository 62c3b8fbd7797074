import Foundation
import LemmingJSON

/// Copies of an org made from its state history (issue 15): `lemming fork --at N DIR` (the org
/// as it was after tick N), `lemming backup DIR` (a consistent copy at a committed tick, also
/// while an engine runs) and `lemming restore`.
///
/// A copy is made in a temporary folder beside the target and renamed into place, so a failure
/// leaves nothing behind; the source is only read (an unfinished commit an engine left when it
/// stopped is first completed, as the next engine would).
package enum OrgCopy {
    /// What a fork or a backup made.
    package struct Made: Sendable, Equatable {
        /// The tick the copy is as of: its last committed tick.
        package var tick: Int
        /// Whether an engine was running on the source while it was copied.
        package var engineWasRunning: Bool
    }

    /// Makes at `target` the org as it was after tick `tick`.
    ///
    /// - Throws: ``LemmingError``: `.notAnOrg` for a source without `lemming.json`,
    ///   `.invalidArgument` for a tick the history does not hold or a target that is not empty,
    ///   `.notFound` for an org without history, `.io` when copying fails.
    package static func fork(_ source: OrgPaths, at tick: Int, into target: String) throws -> Made {
        try copy(source, into: target, keepsCommands: false) { history, _ in try history.count(through: tick) }
    }

    /// Makes at `target` a copy of the org at its last committed tick whose files were complete
    /// when the copy began (with an engine running, the commit before its latest).
    ///
    /// - Throws: what ``fork(_:at:into:)`` throws.
    package static func backup(_ source: OrgPaths, into target: String) throws -> Made {
        try copy(source, into: target, keepsCommands: true) { history, engineRuns in
            engineRuns && history.lines.count > 1 ? history.lines.count - 1 : history.lines.count
        }
    }

    /// Puts the org of `backup` at `target`: a target that holds an org is moved aside to
    /// `<target>.before-restore-<time>` first (only with `replacing`).
    ///
    /// - Returns: where the replaced org went, if one was replaced.
    /// - Throws: ``LemmingError``: `.notAnOrg` when `backup` is not an org, `.invalidArgument` for
    ///   a target that is not empty without `replacing`, `.locked` when an engine runs on it.
    package static func restore(_ backup: String, into target: String, replacing: Bool, now: String) throws -> String? {
        let paths = OrgPaths(root: backup)
        guard FileSystem.info(paths.config)?.isRegularFile == true else {
            throw LemmingError(.notAnOrg, "no lemming.json here: not a backup of an org", path: backup)
        }
        _ = try StateHistoryFile.read(paths)
        var replaced: String?
        if let names = try FileSystem.list(target), !names.isEmpty {
            guard replacing else {
                throw LemmingError(
                    .invalidArgument,
                    "\(target) is not empty; give --force to replace the org there (it is kept aside)",
                    path: target)
            }
            let existing = OrgPaths(root: target)
            if FileSystem.exists(existing.state) {
                guard let lock = try FileLock.tryAcquire(existing.lock) else {
                    throw LemmingError(.locked, "an engine is running on \(target): stop it first", path: target)
                }
                lock.release()
            }
            let aside = target + ".before-restore-" + now.filter { $0.isNumber }
            try FileSystem.move(target, to: aside)
            replaced = aside
        }
        let temporary = temporaryFolder(beside: target)
        do {
            try FileSystem.copyTree(from: backup, to: temporary, skip: ["state/engine.lock"])
            try FileSystem.move(temporary, to: target)
        } catch {
            try? FileSystem.removeTree(temporary)
            if let replaced { _ = try? FileSystem.move(replaced, to: target) }
            throw error
        }
        return replaced
    }

    /// Copies `source` to `target` and rolls the copy back to the number of history lines
    /// `keep` chooses from the history as it was when the copy began.
    private static func copy(
        _ source: OrgPaths, into target: String, keepsCommands: Bool,
        keep: (StateHistoryFile, _ engineRuns: Bool) throws -> Int
    ) throws -> Made {
        guard FileSystem.info(source.config)?.isRegularFile == true else {
            throw LemmingError(.notAnOrg, "no lemming.json here: not an org directory", path: source.root)
        }
        if let names = try FileSystem.list(target), !names.isEmpty {
            throw LemmingError(.invalidArgument, "\(target) exists and is not empty", path: target)
        }
        // Without an engine, hold the lock while copying, so that none starts meanwhile.
        let lock = try FileLock.tryAcquire(source.lock)
        defer { lock?.release() }
        if lock != nil { try FileOrgStore(paths: source).recover() }
        let before = try StateHistoryFile.read(source)
        let count = try keep(before, lock == nil)
        let temporary = temporaryFolder(beside: target)
        do {
            try FileSystem.copyTree(
                from: source.root, to: temporary,
                skip: [
                    "state/engine.lock", "state/journal", "state/search.sqlite", "state/search.sqlite-wal",
                    "state/search.sqlite-shm", ".git",
                ])
            // The history as it is now names what commits made since the copy began.
            let after = try StateHistoryFile.read(source)
            try OrgRollback.rollBack(
                OrgPaths(root: temporary), to: count, of: after.lines.count >= count ? after : before, source: source,
                keepsCommands: keepsCommands)
            if FileSystem.exists(target) { try FileSystem.removeTree(target) }
            try FileSystem.move(temporary, to: target)
        } catch {
            try? FileSystem.removeTree(temporary)
            throw error
        }
        let committed = before.state(through: count).tickState["last_committed_tick"]?.intValue ?? before.firstTick
        return Made(tick: committed, engineWasRunning: lock == nil)
    }

    private static func temporaryFolder(beside target: String) -> String {
        let parent = FileSystem.parentDirectory(of: target)
        let name = target.split(separator: "/").last.map(String.init) ?? "org"
        return parent + "/." + name + ".lemming-" + UUID().uuidString.prefix(8).lowercased() + ".tmp"
    }
}
