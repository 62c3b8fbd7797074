import Foundation
import LemmingArchive
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

/// A folder for one test: the archive is `a.zip` in it, targets go beside it.
struct Scratch {
    let root: String

    init() throws {
        root = try makeTemporaryDirectory(prefix: "lemming-archive-")
    }

    var archive: String { root + "/a.zip" }
    var target: String { root + "/org" }

    func remove() {
        try? FileSystem.removeTree(root)
    }

    /// Every file and folder under the scratch folder (symbolic links as such), with content.
    func tree() throws -> [String: [UInt8]] {
        try fileTree(root)
    }
}

/// Every file and folder under `root`, relative to it: a folder maps to `[]` with a trailing `/`,
/// a symbolic link to its target prefixed with `->`.
func fileTree(_ root: String, excluding excluded: [String] = []) throws -> [String: [UInt8]] {
    var result: [String: [UInt8]] = [:]
    func walk(_ relative: String) throws {
        let absolute = relative.isEmpty ? root : root + "/" + relative
        for name in try FileSystem.list(absolute) ?? [] {
            let child = relative.isEmpty ? name : relative + "/" + name
            if excluded.contains(where: { child == $0 || child.hasPrefix($0 + "/") }) { continue }
            let path = root + "/" + child
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                result[child] = Array(("->" + target).utf8)
            } else if FileSystem.info(path)?.isDirectory == true {
                result[child + "/"] = []
                try walk(child)
            } else {
                result[child] = try FileSystem.read(path)
            }
        }
    }
    try walk("")
    return result
}

/// The files of a small org that validates.
enum Fixture {
    static func json(_ value: JSONValue) -> [UInt8] { JSONWriter(style: .pretty).bytes(value) }

    static var orgFiles: [String: [UInt8]] {
        [
            "lemming.json": json(["format": 1, "name": "test"]),
            "models.json": json(["sim": ["provider": "scripted"]]),
            "agents/a/resume.json": TestArchive.resume("a"),
            "agents/a/outbox/00000001-a-01.json": json(["id": "00000001-a-01"]),
            "agents/a/memory/plan.json": json(["key": "plan", "value": "ship"]),
            "shared/notes.md": Array("hello\n".utf8),
        ]
    }

    /// The importer's error for `archive` imported as an org into `scratch.target`.
    static func importError(
        _ archive: TestArchive, in scratch: Scratch, configuration: ArchiveImporter.Configuration = .init(),
        patch: (String) throws -> Void = { _ in }
    ) throws -> LemmingError {
        try archive.write(to: scratch.archive)
        try patch(scratch.archive)
        let error = #expect(throws: LemmingError.self) {
            let importer = try ArchiveImporter(file: scratch.archive, configuration: configuration)
            _ = try importer.importOrg(into: scratch.target)
        }
        return try #require(error)
    }
}
