import Crypto
import LemmingCore
import LemmingJSON

/// `manifest.json`, the first thing an importer reads: what the archive holds, and each file's
/// size and SHA-256 so that every byte extracted can be checked.
///
/// ```json
/// {"format": "lemming-archive", "version": 1, "kind": "org" | "agent", "org": "acme",
///  "agent": "coder", "lemming_version": "0.15.0", "created_at": "2026-01-01T00:00:00Z",
///  "tick": 42, "workspaces": false, "total_bytes": 1234,
///  "directories": ["agents", "agents/coder", …],
///  "files": [{"path": "agents/coder/resume.json", "size": 321, "sha256": "…", "executable": true?}, …],
///  "skipped": [{"path": "agents/coder/workspace/link", "reason": "a symbolic link"}, …]}
/// ```
///
/// Paths are relative to the org's root and follow ``ArchivePath``. In the zip, the org's files are
/// under `org/` (`org/agents/coder/resume.json`) and the manifest is `manifest.json`. `agent` is
/// present only in an agent archive, whose paths all lie in `agents/<agent>/` and
/// `archive/outbox/<agent>/`. `tick` is the org's last committed tick when it was exported.
public struct ArchiveManifest: Sendable, Equatable {
    /// The value of `format`.
    public static let format = "lemming-archive"
    /// The newest `version` this build reads and the one it writes.
    public static let currentVersion = 1
    /// The manifest's name in the zip.
    public static let entryName = "manifest.json"
    /// The folder of the zip that holds the org's files.
    public static let rootFolder = "org/"

    /// What an archive holds.
    public enum Kind: Sendable, Equatable {
        /// A whole org.
        case org
        /// One agent (its folder and its archived entries).
        case agent(String)
    }

    /// One file of the archive.
    public struct File: Sendable, Equatable {
        public var path: String
        public var size: Int
        /// The SHA-256 of the content, lowercase hexadecimal.
        public var sha256: String
        /// Whether the file had an execute permission bit (custom tools, workspace scripts).
        public var isExecutable: Bool

        public init(path: String, size: Int, sha256: String, isExecutable: Bool = false) {
            self.path = path
            self.size = size
            self.sha256 = sha256
            self.isExecutable = isExecutable
        }

        /// The entry of a file with this content.
        public init(path: String, content: [UInt8], isExecutable: Bool = false) {
            self.init(
                path: path, size: content.count, sha256: ArchiveExporter.hex(SHA256.hash(data: content)),
                isExecutable: isExecutable)
        }
    }

    /// Something of the org that an export left out, and why.
    public struct Skipped: Sendable, Equatable {
        public var path: String
        public var reason: String

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
    }

    public var version = ArchiveManifest.currentVersion
    public var kind: Kind
    /// The org's name (`lemming.json` `name`).
    public var org: String
    public var lemmingVersion: String
    /// When it was exported (ISO 8601, from the injected clock).
    public var createdAt: String
    public var tick: Int
    /// Whether workspaces and `shared/` are included.
    public var includesWorkspaces: Bool
    /// Every folder, parents before children.
    public var directories: [String]
    /// Every file, sorted by path.
    public var files: [File]
    public var skipped: [Skipped]

    public init(
        kind: Kind, org: String, lemmingVersion: String, createdAt: String, tick: Int, includesWorkspaces: Bool,
        directories: [String], files: [File], skipped: [Skipped]
    ) {
        self.kind = kind
        self.org = org
        self.lemmingVersion = lemmingVersion
        self.createdAt = createdAt
        self.tick = tick
        self.includesWorkspaces = includesWorkspaces
        self.directories = directories
        self.files = files
        self.skipped = skipped
    }

    /// The sum of the files' sizes.
    public var totalBytes: Int { files.reduce(0) { $0 + $1.size } }

    /// The agent of an agent archive.
    public var agent: String? {
        if case .agent(let name) = kind { return name }
        return nil
    }

    public var json: JSONValue {
        var object: JSONObject = [
            "format": .string(Self.format), "version": .int(version),
            "kind": .string(agent == nil ? "org" : "agent"), "org": .string(org),
        ]
        if let agent { object["agent"] = .string(agent) }
        object["lemming_version"] = .string(lemmingVersion)
        object["created_at"] = .string(createdAt)
        object["tick"] = .int(tick)
        object["workspaces"] = .bool(includesWorkspaces)
        object["total_bytes"] = .int(totalBytes)
        object["directories"] = .strings(directories)
        object["files"] = .array(
            files.map { file in
                var entry: JSONObject = [
                    "path": .string(file.path), "size": .int(file.size), "sha256": .string(file.sha256),
                ]
                if file.isExecutable { entry["executable"] = true }
                return .object(entry)
            })
        object["skipped"] = .array(
            skipped.map { .object(["path": .string($0.path), "reason": .string($0.reason)]) })
        return .object(object)
    }
}

extension ArchiveManifest {
    /// Parses and checks a manifest: every field present with its type, a known format and
    /// version, safe unique paths, agent paths inside the agent's folders, a consistent total.
    ///
    /// - Throws: ``LemmingError`` `.invalidArchive` naming the field, `.unsupportedFormat` for a
    ///   newer version, `.unsafeArchive` for a path that fails ``ArchivePath``.
    public init(bytes: [UInt8]) throws {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw Self.invalid("", "is not valid JSON (\(error))")
        }
        guard let object = value.objectValue else { throw Self.invalid("", "is not a JSON object") }
        guard object["format"]?.stringValue == Self.format else {
            throw Self.invalid("format", "is not '\(Self.format)': not a LeMMing archive")
        }
        guard let version = object["version"]?.intValue, version >= 1 else {
            throw Self.invalid("version", "must be a positive integer")
        }
        guard version <= Self.currentVersion else {
            throw LemmingError(
                .unsupportedFormat,
                "the archive has format version \(version); this LeMMing reads up to \(Self.currentVersion) (upgrade it)",
                path: Self.entryName, field: "version")
        }
        self.version = version
        let kind = try Self.string(object, "kind")
        org = try Self.string(object, "org")
        switch kind {
        case "org": self.kind = .org
        case "agent":
            let agent = try Self.string(object, "agent")
            guard Names.isValidAgentName(agent), agent != Names.human else {
                throw Self.invalid("agent", "'\(agent)' is not a valid agent name")
            }
            self.kind = .agent(agent)
        default: throw Self.invalid("kind", "must be 'org' or 'agent'")
        }
        lemmingVersion = try Self.string(object, "lemming_version")
        createdAt = try Self.string(object, "created_at")
        guard let tick = object["tick"]?.intValue, tick >= 0 else {
            throw Self.invalid("tick", "must be an integer ≥ 0")
        }
        self.tick = tick
        guard let workspaces = object["workspaces"]?.boolValue else {
            throw Self.invalid("workspaces", "must be a boolean")
        }
        includesWorkspaces = workspaces
        directories = try Self.array(object, "directories").enumerated().map { index, item in
            guard let path = item.stringValue else { throw Self.invalid("directories[\(index)]", "must be a string") }
            return path
        }
        files = try Self.array(object, "files").enumerated().map { index, item in
            let field = "files[\(index)]"
            guard let entry = item.objectValue, let path = entry["path"]?.stringValue,
                let size = entry["size"]?.intValue, size >= 0, let sha256 = entry["sha256"]?.stringValue,
                sha256.utf8.count == 64, sha256.utf8.allSatisfy({ Self.isLowercaseHex($0) })
            else {
                throw Self.invalid(field, "must be {\"path\", \"size\" ≥ 0, \"sha256\" (64 lowercase hex digits)}")
            }
            return File(path: path, size: size, sha256: sha256, isExecutable: entry["executable"]?.boolValue ?? false)
        }
        skipped = (object["skipped"]?.arrayValue ?? []).compactMap { item in
            guard let path = item["path"]?.stringValue, let reason = item["reason"]?.stringValue else { return nil }
            return Skipped(path: path, reason: reason)
        }
        var total = 0
        for file in files {
            let (sum, overflow) = total.addingReportingOverflow(file.size)
            guard !overflow else { throw Self.invalid("files", "sizes add up to more than a file system holds") }
            total = sum
        }
        guard object["total_bytes"]?.intValue == total else {
            throw Self.invalid("total_bytes", "is not the sum of the files' sizes")
        }
        try checkPaths()
    }

    /// Every path safe, unique, and (for an agent) inside the agent's folders.
    private func checkPaths() throws {
        var seen = Set<String>()
        for path in directories + files.map(\.path) {
            if let problem = ArchivePath.problem(of: path) {
                throw LemmingError(.unsafeArchive, "refusing \(problem): '\(path)'", path: Self.entryName)
            }
            if ExportSelection.liesInLeftOut(path) {
                throw LemmingError(
                    .unsafeArchive,
                    "refusing '\(path)': an export never holds the engine's lock, journal, search index, provider "
                        + "health, temporary files or a .git folder at the root",
                    path: Self.entryName)
            }
            guard seen.insert(path).inserted else {
                throw Self.invalid("files", "lists '\(path)' twice")
            }
            if let agent, !Self.isInside(agent: agent, path) {
                throw LemmingError(
                    .unsafeArchive, "refusing '\(path)': an archive of agent '\(agent)' holds only its own folders",
                    path: Self.entryName)
            }
        }
        // A file cannot also be a folder that holds other paths.
        let filePaths = Set(files.map { Array($0.path.utf8) })
        for path in directories + files.map(\.path) {
            var parent = Array(path.utf8)
            while let slash = parent.lastIndex(of: UInt8(ascii: "/")) {
                parent.removeSubrange(slash...)
                if filePaths.contains(parent) {
                    throw Self.invalid("files", "'\(String(decoding: parent, as: UTF8.self))' is a file and a folder")
                }
            }
        }
    }

    /// Whether `path` lies in what an agent archive may hold: `agents/<agent>` and
    /// `archive/outbox/<agent>` with their contents, and the folders above them.
    static func isInside(agent: String, _ path: String) -> Bool {
        let roots = ["agents/" + agent, "archive/outbox/" + agent]
        if ["agents", "archive", "archive/outbox"].contains(path) { return true }
        return roots.contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func string(_ object: JSONObject, _ key: String) throws -> String {
        guard let value = object[key]?.stringValue else { throw invalid(key, "must be a string") }
        return value
    }

    private static func array(_ object: JSONObject, _ key: String) throws -> [JSONValue] {
        guard let value = object[key]?.arrayValue else { throw invalid(key, "must be an array") }
        return value
    }

    static func invalid(_ field: String, _ message: String) -> LemmingError {
        LemmingError(.invalidArchive, message, path: entryName, field: field.isEmpty ? nil : field)
    }
}
