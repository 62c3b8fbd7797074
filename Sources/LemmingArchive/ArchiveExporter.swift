import Crypto
import Foundation
import LemmingCore
import LemmingJSON

/// `lemming export`: an org, or one agent, as one zip archive with a manifest (see
/// ``ArchiveManifest``).
///
/// The export reads a committed state: it takes the engine lock (refusing while an engine runs, as
/// `reset` does), re-applies a journal a crash left behind (what the engine does when it starts),
/// and only then reads the files, so no commit can be half-applied in the archive. What it leaves
/// out is described by ``ExportSelection``. The archive is written beside its destination and
/// renamed into place: an interrupted export leaves no partial archive.
public enum ArchiveExporter {
    public struct Configuration: Sendable {
        /// The agent to export; `nil` for the whole org.
        public var agent: String?
        /// Include the content of workspaces (and `shared/` for an org).
        public var includeWorkspaces: Bool
        /// Replace an existing file at the destination.
        public var overwrite: Bool
        /// The time written in the manifest and on every entry.
        public var clock: any WallClock

        public init(
            agent: String? = nil, includeWorkspaces: Bool = false, overwrite: Bool = false,
            clock: any WallClock = SystemWallClock()
        ) {
            self.agent = agent
            self.includeWorkspaces = includeWorkspaces
            self.overwrite = overwrite
            self.clock = clock
        }
    }

    /// What an export wrote.
    public struct Summary: Sendable {
        public var manifest: ArchiveManifest
        /// The archive's absolute path.
        public var file: String
        /// The archive's size in bytes.
        public var archiveBytes: Int
    }

    /// Exports the org at `root` to the zip file `file`.
    ///
    /// - Throws: ``LemmingError`` `.conflict` when `file` exists (without `overwrite`), `.notFound`
    ///   for an unknown agent, `.locked` while an engine runs on the org, `.io`.
    @discardableResult
    public static func export(org root: String, to file: String, configuration: Configuration) throws -> Summary {
        let paths = OrgPaths(root: root)
        if FileSystem.exists(file) && !configuration.overwrite {
            throw LemmingError(.conflict, "the file exists; pass --force to replace it", path: file)
        }
        if let agent = configuration.agent {
            guard Names.isValidAgentName(agent), agent != Names.human,
                FileSystem.info(paths.resume(agent))?.isRegularFile == true
            else {
                throw LemmingError(.notFound, "no agent named '\(agent)' (a folder agents/\(agent) with resume.json)")
            }
        }
        try FileSystem.makeDirectory(paths.state)
        guard let lock = try FileLock.tryAcquire(paths.lock) else {
            throw LemmingError(
                .locked, "an engine is running on this org; stop it first (an export reads a committed state)",
                path: root)
        }
        defer { lock.release() }
        let store = FileOrgStore(paths: paths)
        try store.recover()
        let (config, _) = try store.loadConfig()
        let tick = try store.loadState().tick.lastCommittedTick
        let selection = try ExportSelection.make(
            paths: paths, agent: configuration.agent, includeWorkspaces: configuration.includeWorkspaces,
            excluding: file)
        let now = configuration.clock.now()
        var manifest = ArchiveManifest(
            kind: configuration.agent.map { .agent($0) } ?? .org, org: config.name,
            lemmingVersion: LemmingVersion.current, createdAt: Timestamp.format(now), tick: tick,
            includesWorkspaces: configuration.includeWorkspaces, directories: selection.directories, files: [],
            skipped: selection.skipped)
        let temporary = FileSystem.parentDirectory(of: file) + "/." + lastComponent(of: file) + ".\(getpid()).tmp"
        try FileSystem.remove(temporary)
        do {
            manifest.files = try write(selection, manifest: manifest, date: now, paths: paths, to: temporary)
            guard try FileSystem.move(temporary, to: file) else {
                throw LemmingError(.io, "could not move the archive into place", path: file)
            }
        } catch {
            try? FileSystem.remove(temporary)
            throw error
        }
        try FileSystem.syncDirectory(FileSystem.parentDirectory(of: file))
        return Summary(manifest: manifest, file: file, archiveBytes: FileSystem.info(file)?.size ?? 0)
    }

    /// Writes the zip: a folder entry per folder, each file deflated, the manifest last (its
    /// checksums are computed while the files are read, in one pass).
    ///
    /// - Returns: the manifest's files, with their checksums.
    private static func write(
        _ selection: ExportSelection, manifest: ArchiveManifest, date: Date, paths: OrgPaths, to path: String
    ) throws -> [ArchiveManifest.File] {
        let writer = try ZipWriter(path: path, modified: date)
        let root = ArchiveManifest.rootFolder
        for directory in selection.directories {
            try writer.addDirectory(root + directory + "/")
        }
        var files: [ArchiveManifest.File] = []
        files.reserveCapacity(selection.files.count)
        for file in selection.files {
            let descriptor = open(paths.absolute(file.path), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard descriptor >= 0 else {
                throw LemmingError(.io, "could not read: \(String(cString: strerror(errno)))", path: file.path)
            }
            defer { close(descriptor) }
            var hasher = SHA256()
            try writer.addFile(root + file.path, size: file.size, permissions: file.isExecutable ? 0o755 : 0o644) {
                offset, count in
                guard let bytes = FileSystem.read(descriptor: descriptor, from: offset, count: count),
                    bytes.count == count
                else {
                    throw LemmingError(.io, "the file changed while it was exported", path: file.path)
                }
                hasher.update(data: bytes)
                return bytes
            }
            files.append(
                .init(path: file.path, size: file.size, sha256: hex(hasher.finalize()), isExecutable: file.isExecutable)
            )
        }
        var complete = manifest
        complete.files = files
        let bytes = JSONWriter(style: .pretty).bytes(complete.json)
        try writer.addFile(ArchiveManifest.entryName, size: bytes.count, permissions: 0o644) { offset, count in
            Array(bytes[offset..<(offset + count)])
        }
        try writer.finish()
        return files
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func lastComponent(of path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

extension ArchiveExporter.Summary {
    /// `{"file", "kind", "org", "agent"?, "tick", "files", "bytes", "archive_bytes", "workspaces", "skipped": [...]}`.
    public var json: JSONValue {
        var object: JSONObject = [
            "file": .string(file), "kind": .string(manifest.agent == nil ? "org" : "agent"),
            "org": .string(manifest.org),
        ]
        if let agent = manifest.agent { object["agent"] = .string(agent) }
        object["tick"] = .int(manifest.tick)
        object["files"] = .int(manifest.files.count)
        object["bytes"] = .int(manifest.totalBytes)
        object["archive_bytes"] = .int(archiveBytes)
        object["workspaces"] = .bool(manifest.includesWorkspaces)
        object["skipped"] = .array(
            manifest.skipped.map { .object(["path": .string($0.path), "reason": .string($0.reason)]) })
        return .object(object)
    }
}
