import Crypto
import Foundation
import LemmingCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ArchiveImporter {
    /// Extracts an org archive to `target`: a folder that does not exist or is empty, or, with
    /// ``Configuration/force``, an org (never any other non-empty folder) with no engine running.
    ///
    /// - Throws: ``LemmingError`` `.invalidArgument` for an agent archive, `.conflict` for an
    ///   occupied target, `.locked`, `.invalidFile` when a resume or setting does not validate,
    ///   the archive errors of extraction, `.io`. The target is unchanged after any of them.
    public func importOrg(into target: String) throws -> Summary {
        guard manifest.agent == nil else {
            throw LemmingError(
                .invalidArgument,
                "this is an archive of agent '\(manifest.agent ?? "")'; import it into an org with --org DIR")
        }
        let warnings = try validateOrg()
        var lock: FileLock?
        defer { lock?.release() }
        var replacing = false
        switch Self.kind(of: target) {
        case nil: break
        case S_IFDIR:
            guard !(try FileSystem.list(target) ?? []).isEmpty else { break }
            guard configuration.force else {
                throw LemmingError(
                    .conflict, "the folder is not empty; pass --force to replace the org there", path: target)
            }
            let paths = OrgPaths(root: target)
            guard FileSystem.info(paths.config)?.isRegularFile == true else {
                throw LemmingError(
                    .conflict, "the folder is not empty and not an org; refusing to replace it, even with --force",
                    path: target)
            }
            try FileSystem.makeDirectory(paths.state)
            guard let held = try FileLock.tryAcquire(paths.lock) else {
                throw LemmingError(.locked, "an engine is running on the org there; stop it first", path: target)
            }
            lock = held
            replacing = true
        default:
            throw LemmingError(.conflict, "exists and is not a folder", path: target)
        }
        let parent = FileSystem.parentDirectory(of: target)
        try FileSystem.makeDirectory(parent)
        let name = Self.lastComponent(of: target)
        let staging = parent + "/.\(name).import-\(getpid()).tmp"
        let extracted: (files: Int, bytes: Int)
        do {
            extracted = try extract(into: staging) { _ in true }
            if replacing {
                let old = parent + "/.\(name).replaced-\(getpid()).tmp"
                try Self.move(target, to: old)
                do {
                    try Self.move(staging, to: target)
                } catch {
                    try? Self.move(old, to: target)
                    throw error
                }
                try FileSystem.removeTree(old)
            } else {
                // Replaces an empty folder in one step (rename(2)).
                try Self.move(staging, to: target)
            }
        } catch {
            try? FileSystem.removeTree(staging)
            throw error
        }
        try FileSystem.syncDirectory(parent)
        return Summary(
            manifest: manifest, root: target, files: extracted.files, bytes: extracted.bytes, warnings: warnings)
    }

    /// Adds an agent archive's agent to the org at `root`, with no engine running: its folder (and
    /// archived entries) must not exist, or ``Configuration/force`` replaces them.
    ///
    /// Unless ``Configuration/withoutHistory`` leaves the history out, the org's next tick must be
    /// past the agent's newest entry: entries the agent writes from then on take ids
    /// `<tick>-<agent>-<seq>`, which must sort after (and never equal) the imported ones.
    ///
    /// - Throws: ``LemmingError`` `.invalidArgument` for an org archive, `.notAnOrg`, `.locked`,
    ///   `.conflict`, `.invalidFile`, the archive errors of extraction, `.io`. The org is unchanged
    ///   after any of them.
    public func importAgent(into root: String) throws -> Summary {
        guard let agent = manifest.agent else {
            throw LemmingError(
                .invalidArgument,
                "this is an archive of the whole org '\(manifest.org)'; import it into a new folder (lemming import FILE DIR)"
            )
        }
        let paths = OrgPaths(root: root)
        guard FileSystem.info(paths.config)?.isRegularFile == true else {
            throw LemmingError(.notAnOrg, "no lemming.json here: not an org", path: root)
        }
        // Validated first: a refused resume leaves the org untouched, lock file included.
        let warnings = try validateAgent(agent, into: paths)
        try FileSystem.makeDirectory(paths.state)
        guard let lock = try FileLock.tryAcquire(paths.lock) else {
            throw LemmingError(.locked, "an engine is running on this org; stop it first", path: root)
        }
        defer { lock.release() }
        let targets = ["agents/\(agent)", "archive/outbox/\(agent)"]
        let existing = targets.filter { Self.kind(of: paths.absolute($0)) != nil }
        if let first = existing.first, !configuration.force {
            throw LemmingError(.conflict, "\(first) already exists; pass --force to replace it", path: root)
        }
        let history = Self.history(of: agent)
        if !configuration.withoutHistory {
            try checkTicks(of: agent, history: history, paths: paths)
        }
        let staging = root + "/.import-\(agent)-\(getpid()).tmp"
        let extracted: (files: Int, bytes: Int)
        var moves: [(from: String, to: String)] = []
        do {
            extracted = try extract(into: staging) { path in !(configuration.withoutHistory && history(path)) }
            for (index, relative) in existing.enumerated() {
                let aside = staging + "/replaced-\(index)"
                try Self.move(paths.absolute(relative), to: aside)
                moves.append((paths.absolute(relative), aside))
            }
            for relative in targets where Self.kind(of: staging + "/" + relative) != nil {
                let destination = paths.absolute(relative)
                try FileSystem.makeDirectory(FileSystem.parentDirectory(of: destination))
                try Self.move(staging + "/" + relative, to: destination)
                moves.append((staging + "/" + relative, destination))
            }
        } catch {
            for move in moves.reversed() { try? Self.move(move.to, to: move.from) }
            try? FileSystem.removeTree(staging)
            throw error
        }
        try FileSystem.removeTree(staging)
        try FileSystem.syncDirectory(paths.agents)
        return Summary(
            manifest: manifest, root: root, files: extracted.files, bytes: extracted.bytes, warnings: warnings)
    }

    /// Whether an org-relative path is part of an agent's history: its entries (outbox and
    /// archive) and turn records. The empty outbox folder stays.
    private static func history(of agent: String) -> @Sendable (String) -> Bool {
        { path in
            path.hasPrefix("agents/\(agent)/outbox/") || path == "agents/\(agent)/logs"
                || path.hasPrefix("agents/\(agent)/logs/") || path == "archive" || path.hasPrefix("archive/")
        }
    }

    /// Refuses history that reaches the org's next tick.
    private func checkTicks(of agent: String, history: (String) -> Bool, paths: OrgPaths) throws {
        let newest = manifest.files.filter { history($0.path) }.compactMap { file -> Int? in
            guard let slash = file.path.lastIndex(of: "/") else { return nil }
            return EntryID(fileName: String(file.path[file.path.index(after: slash)...]), author: agent)?.tick
        }.max()
        guard let newest else { return }
        let nextTick = try FileOrgStore(paths: paths).loadState().tick.nextTick
        guard newest < nextTick else {
            throw LemmingError(
                .conflict,
                "agent '\(agent)' has entries up to tick \(newest) but this org's next tick is \(nextTick): its new "
                    + "entries could take the same ids; pass --without-history, or import into an org past tick \(newest)",
                path: paths.root)
        }
    }

    /// Extracts the listed folders and files that `include` accepts into a new folder `staging`,
    /// counting every byte and checking every checksum, then flushes them to disk.
    ///
    /// - Returns: the number of files and bytes written.
    func extract(into staging: String, include: (String) -> Bool) throws -> (files: Int, bytes: Int) {
        if Self.kind(of: staging) != nil { try FileSystem.removeTree(staging) }
        guard mkdir(staging, 0o700) == 0 else {
            throw LemmingError(.io, "could not create a folder: \(String(cString: strerror(errno)))", path: staging)
        }
        var created = Set<String>()
        for directory in manifest.directories where include(directory) {
            try FileSystem.makeDirectory(staging + "/" + directory)
            created.insert(staging + "/" + directory)
        }
        var files = 0
        var total = 0
        for listedFile in manifest.files where include(listedFile.path) {
            guard let entry = entries[listedFile.path] else {
                throw LemmingError(.invalidArchive, "the zip does not hold '\(listedFile.path)'", path: file)
            }
            let destination = staging + "/" + listedFile.path
            let parent = FileSystem.parentDirectory(of: destination)
            if created.insert(parent).inserted { try FileSystem.makeDirectory(parent) }
            let descriptor = open(
                destination, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                listedFile.isExecutable ? 0o755 : 0o644)
            guard descriptor >= 0 else {
                throw LemmingError(
                    .io, "could not create '\(listedFile.path)': \(String(cString: strerror(errno)))", path: staging)
            }
            defer { close(descriptor) }
            var hasher = SHA256()
            try Self.consume(entry, of: archive, size: listedFile.size, file: file) { chunk in
                total += chunk.count
                guard total <= configuration.maxBytes else {
                    throw LemmingError(
                        .archiveTooLarge, "the archive holds more than the limit of \(configuration.maxBytes) bytes",
                        path: file)
                }
                hasher.update(data: chunk)
                try Self.write(chunk, to: descriptor, path: destination)
            }
            try checkDigest(hasher.finalize(), of: listedFile)
            files += 1
        }
        try FileSystem.syncFileSystem(containing: staging)
        return (files, total)
    }

    private static func write(_ chunk: Data, to descriptor: Int32, path: String) throws {
        try chunk.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw LemmingError(.io, "could not write: \(String(cString: strerror(errno)))", path: path)
                }
                offset += written
            }
        }
    }

    /// The file type bits of `path` itself (a symbolic link is not followed), or `nil` when absent.
    static func kind(of path: String) -> mode_t? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return status.st_mode & S_IFMT
    }

    static func move(_ source: String, to destination: String) throws {
        guard try FileSystem.move(source, to: destination) else {
            throw LemmingError(.io, "could not move: it disappeared", path: source)
        }
    }

    static func lastComponent(of path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
