import ArgumentParser
import Foundation
import LemmingCore

/// `--org DIR`, shared by every command that works on an org.
struct OrgOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "The org directory (default: $LEMMING_ORG, else the nearest folder upward with lemming.json).")
    var org: String?

    /// The org's absolute root: the flag, else `LEMMING_ORG`, else the nearest `lemming.json` upward.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let current = FileManager.default.currentDirectoryPath
        if let explicit = org ?? environment["LEMMING_ORG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            return try Self.root(explicit, from: current)
        }
        var directory = current
        while true {
            if FileSystem.info(directory + "/lemming.json")?.isRegularFile == true { return directory }
            let parent = FileSystem.parentDirectory(of: directory)
            if parent.isEmpty || parent == directory { break }
            directory = parent
        }
        throw LemmingError(
            .notAnOrg,
            "no org found in \(current) or above; pass --org DIR, set LEMMING_ORG, or create one with `lemming init`")
    }

    /// The absolute root of the org at `directory` (relative to `current`, by default the
    /// working directory).
    ///
    /// - Throws: ``LemmingError`` `.notAnOrg` when it holds no `lemming.json`.
    static func root(_ directory: String, from current: String? = nil) throws -> String {
        let path = Self.absolute(directory, from: current ?? FileManager.default.currentDirectoryPath)
        guard FileSystem.info(OrgPaths(root: path).config)?.isRegularFile == true else {
            throw LemmingError(
                .notAnOrg, "no lemming.json here: not an org (create one with `lemming init`)", path: path)
        }
        return path
    }

    static func absolute(_ path: String, from current: String) -> String {
        let joined = path.hasPrefix("/") ? path : current + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}

/// `--json` for read commands.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false
}
