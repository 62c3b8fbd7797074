import LemmingCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What an export takes from an org: the folders and regular files it walks to, never following a
/// symbolic link, minus what is derived, machine-local or in flight.
///
/// Left out by design (see the README): `state/engine.lock`, the search index
/// (`state/search.sqlite*`, rebuilt from the files), the journal (`state/journal/`, empty once the
/// last commit is applied; the outcomes of a tick that never committed), the circuit breakers of
/// this machine's providers (`state/providers.json`), temporary files (`.*.tmp`), a `.git` folder at
/// the root, and the content of workspaces and `shared/` unless asked for. Symbolic links,
/// devices, pipes, sockets and names an import would refuse are *skipped*: listed in the manifest
/// with the reason, so nothing goes missing silently.
struct ExportSelection {
    struct File {
        var path: String
        var size: Int
        var isExecutable: Bool
    }

    /// Folders, parents before children, relative to the org.
    var directories: [String] = []
    /// Regular files, sorted by path.
    var files: [File] = []
    var skipped: [ArchiveManifest.Skipped] = []

    /// The selection of the whole org at `paths`, or of one agent's folders.
    ///
    /// - Parameters:
    ///   - excluding: an absolute path never taken (the archive being written, when inside the org).
    static func make(
        paths: OrgPaths, agent: String?, includeWorkspaces: Bool, excluding excluded: String?
    ) throws -> ExportSelection {
        var selection = ExportSelection()
        let walker = Walker(paths: paths, includeWorkspaces: includeWorkspaces, excluded: excluded)
        if let agent {
            selection.directories = ["agents"]
            try walker.walk("agents/" + agent, into: &selection)
            if FileSystem.info(paths.archivedOutbox(agent))?.isDirectory == true {
                selection.directories += ["archive", "archive/outbox"]
                try walker.walk("archive/outbox/" + agent, into: &selection)
            }
        } else {
            try walker.walk("", into: &selection)
        }
        selection.files.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return selection
    }

    /// Derived, machine-local or in-flight files: never exported (`name` is the last component).
    static func isLeftOut(_ path: String, name: String) -> Bool {
        if FileSystem.isTemporaryName(name) { return true }
        switch path {
        case ".git", "state/engine.lock", "state/journal", "state/providers.json": return true
        default: return path.hasPrefix("state/search.sqlite")
        }
    }

    /// Whether `path` is, or lies in, something an export leaves out: an archive holding it was
    /// not written by an export, and importing it could apply a foreign journal at the next start,
    /// or leave a `.git` whose configuration runs commands.
    static func liesInLeftOut(_ path: String) -> Bool {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += prefix.isEmpty ? String(component) : "/" + component
            if isLeftOut(prefix, name: String(component)) { return true }
        }
        return false
    }

    private struct Walker {
        let paths: OrgPaths
        let includeWorkspaces: Bool
        let excluded: String?

        /// Adds `relative` (a folder; "" for the root) and everything under it.
        func walk(_ relative: String, into selection: inout ExportSelection) throws {
            let absolute = relative.isEmpty ? paths.root : paths.absolute(relative)
            if !relative.isEmpty { selection.directories.append(relative) }
            if isWorkspace(relative) && !includeWorkspaces { return }
            guard let names = try FileSystem.list(absolute) else { return }
            for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                let child = relative.isEmpty ? name : relative + "/" + name
                let childPath = absolute + "/" + name
                if isLeftOut(child, name: name) || childPath == excluded { continue }
                if let problem = ArchivePath.problem(of: child) {
                    selection.skipped.append(.init(path: child, reason: problem))
                    continue
                }
                var status = stat()
                guard lstat(childPath, &status) == 0 else {
                    if errno == ENOENT { continue }
                    selection.skipped.append(.init(path: child, reason: String(cString: strerror(errno))))
                    continue
                }
                switch status.st_mode & S_IFMT {
                case S_IFDIR:
                    try walk(child, into: &selection)
                case S_IFREG:
                    selection.files.append(
                        File(path: child, size: Int(status.st_size), isExecutable: status.st_mode & 0o111 != 0))
                case S_IFLNK:
                    selection.skipped.append(.init(path: child, reason: "a symbolic link"))
                default:
                    selection.skipped.append(.init(path: child, reason: "not a regular file or folder"))
                }
            }
        }

        private func isLeftOut(_ path: String, name: String) -> Bool {
            ExportSelection.isLeftOut(path, name: name)
        }

        /// `shared` and `agents/<name>/workspace`: exported as empty folders unless asked for.
        private func isWorkspace(_ path: String) -> Bool {
            if path == "shared" { return true }
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 3 && parts[0] == "agents" && parts[2] == "workspace"
        }
    }
}
