import LemmingCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an agent's file tools may reach (DESIGN §7): its `workspace/`, and the org's `shared/`
/// for paths that start with `shared/`.
///
/// A path is refused when it is absolute, starts with `~`, contains a NUL byte or a `..`
/// segment. What remains is a path *below* a root, never a resolved absolute path: the file
/// operations (``SandboxFiles``) open it relative to the root folder's descriptor with
/// `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`, so no symlink is ever followed and a folder
/// swapped for a symlink between a check and a write cannot redirect it. Files with more than
/// one hard link are refused too: a hard link made inside the workspace to a file outside it
/// would otherwise pass every path check.
struct Sandbox: Sendable {
    /// A root a path was resolved against.
    enum Root: Sendable {
        case workspace
        case shared
    }

    /// A path inside the sandbox.
    struct Location: Sendable {
        /// The path as the agent names it (`notes/a.txt`, `shared/plan.md`).
        var display: String
        var root: Root
        /// The absolute root folder (the workspace or `shared/`).
        var rootPath: String
        /// The path's segments below the root; empty for the root itself.
        var components: [String]

        /// The path relative to the root (`.` for the root).
        var relativePath: String { components.isEmpty ? "." : components.joined(separator: "/") }
    }

    let workspace: String
    let shared: String

    init(org: OrgPaths, agent: String) {
        workspace = org.workspace(agent)
        shared = org.shared
    }

    /// Checks `path` and names its root, creating the root folder if it does not exist yet.
    func resolve(_ path: String) throws(ToolFailure) -> Location {
        guard !path.contains("\0") else { throw ToolFailure("the path contains a NUL byte") }
        guard !path.hasPrefix("/") else {
            throw ToolFailure("'\(path)' is absolute; paths are relative to your workspace (or start with shared/)")
        }
        guard !path.hasPrefix("~") else { throw ToolFailure("'\(path)': '~' is not expanded; use a relative path") }
        var segments = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        guard !segments.contains("..") else {
            throw ToolFailure("'\(path)' contains '..'; paths may not leave your workspace or shared/")
        }
        let root: Root
        let rootFolder: String
        if segments.first == "shared" {
            root = .shared
            rootFolder = shared
            segments.removeFirst()
        } else {
            root = .workspace
            rootFolder = workspace
        }
        do {
            try FileSystem.makeDirectory(rootFolder)
        } catch {
            throw ToolFailure("could not create \(root == .shared ? "shared/" : "your workspace"): \(error.reason)")
        }
        SandboxFiles.removeLeftoversOnce(under: rootFolder)
        let display =
            root == .shared
            ? (["shared"] + segments.map(String.init)).joined(separator: "/") : segments.joined(separator: "/")
        return Location(
            display: display.isEmpty ? "." : display, root: root, rootPath: rootFolder,
            components: segments.map(String.init))
    }

    /// `segments` below `base` with the symlinks of its longest existing prefix resolved (the
    /// rest, not created yet, cannot hold a symlink); `nil` when a link is broken.
    static func resolve(_ segments: [String], from base: String) -> String? {
        var existing = base
        var index = 0
        while index < segments.count {
            let next = existing + "/" + segments[index]
            guard lexists(next) else { break }
            guard let resolved = realPath(next) else { return nil }
            existing = resolved
            index += 1
        }
        return ([existing] + segments[index...]).joined(separator: "/")
    }

    /// Whether a relative path, taken from the workspace with its symlinks followed, stays inside
    /// the sandbox.
    func keepsInside(relative path: String) -> Bool {
        guard let base = Self.realPath(workspace) else { return true }
        let segments = path.split(separator: "/").map(String.init).filter { $0 != "." }
        guard let resolved = Self.resolve(segments, from: base) else { return false }
        return isInside(resolved)
    }

    /// Whether a resolved absolute path is inside one of the roots.
    func isInside(_ resolved: String) -> Bool {
        for root in [workspace, shared] {
            guard let rootPath = Self.realPath(root) else { continue }
            if resolved == rootPath || resolved.hasPrefix(rootPath + "/") { return true }
        }
        return false
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether something (a file, a folder, a symlink even if broken) exists at `path`.
    static func lexists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }
}

/// A tool call that cannot be done, with the reason the agent is shown.
struct ToolFailure: Error, Sendable {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}

extension Error {
    /// The reason of a file-system error without the absolute path (agents see relative ones).
    var reason: String { (self as? LemmingError)?.message ?? "\(self)" }
}
