import Foundation
import LemmingArchive
import LemmingCore
import LemmingJSON
import ZIPFoundation

/// A zip archive built entry by entry, for tests of the importer: a well-formed LeMMing archive
/// by default (``org(_:)``, ``agent(_:in:_:)``), which a test then spoils one way at a time.
public struct TestArchive: Sendable {
    public struct Entry: Sendable {
        public var name: String
        public var type: EntryType
        public var content: [UInt8]
        /// The Unix permission bits and, for ``TestArchive/patch(_:)``, nothing else.
        public var permissions: UInt16

        public init(name: String, type: EntryType = .file, content: [UInt8] = [], permissions: UInt16 = 0o644) {
            self.name = name
            self.type = type
            self.content = content
            self.permissions = permissions
        }
    }

    public enum EntryType: Sendable { case file, directory, symbolicLink }

    public var entries: [Entry]
    /// Written as `manifest.json` after the entries, when set.
    public var manifest: ArchiveManifest?
    /// Written as `manifest.json` instead of ``manifest``, when set.
    public var rawManifest: [UInt8]?

    public init(entries: [Entry], manifest: ArchiveManifest?) {
        self.entries = entries
        self.manifest = manifest
    }

    /// A well-formed org archive of `files` (org-relative path → content), with their folders.
    public static func org(_ files: [String: [UInt8]], name: String = "test") -> TestArchive {
        make(files, kind: .org, name: name)
    }

    /// A well-formed archive of `agent`, whose `files` are relative to the org.
    public static func agent(_ agent: String, in org: String = "test", _ files: [String: [UInt8]]) -> TestArchive {
        make(files, kind: .agent(agent), name: org)
    }

    private static func make(_ files: [String: [UInt8]], kind: ArchiveManifest.Kind, name: String) -> TestArchive {
        var folders = Set<String>()
        for path in files.keys {
            var parent = path
            while let slash = parent.lastIndex(of: "/") {
                parent = String(parent[..<slash])
                folders.insert(parent)
            }
        }
        let directories = folders.sorted()
        let paths = files.keys.sorted()
        var entries = directories.map { Entry(name: "org/" + $0 + "/", type: .directory, permissions: 0o755) }
        entries += paths.map { Entry(name: "org/" + $0, content: files[$0] ?? []) }
        let manifest = ArchiveManifest(
            kind: kind, org: name, lemmingVersion: LemmingVersion.current, createdAt: "2026-01-01T00:00:00.000Z",
            tick: 0, includesWorkspaces: false, directories: directories,
            files: paths.map { ArchiveManifest.File(path: $0, content: files[$0] ?? []) }, skipped: [])
        return TestArchive(entries: entries, manifest: manifest)
    }

    /// A resume that validates for `name` with the test org's model `sim`.
    public static func resume(_ name: String) -> [UInt8] {
        JSONWriter(style: .pretty).bytes(TestAgent(name).resume)
    }

    /// Writes the zip to `path` (replacing it).
    public func write(to path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        var all = entries
        if let bytes = rawManifest ?? manifest.map({ JSONWriter(style: .pretty).bytes($0.json) }) {
            all.append(Entry(name: ArchiveManifest.entryName, content: bytes))
        }
        for entry in all {
            let type: ZIPFoundation.Entry.EntryType =
                switch entry.type {
                case .file: .file
                case .directory: .directory
                case .symbolicLink: .symlink
                }
            let content = entry.content
            try archive.addEntry(
                with: entry.name, type: type, uncompressedSize: Int64(content.count),
                permissions: entry.permissions, compressionMethod: entry.type == .file ? .deflate : .none,
                provider: { position, count in Data(content[Int(position)..<(Int(position) + count)]) })
        }
    }

    /// Rewrites fields of the central directory record (and local header) of the entry named
    /// `name` in the zip at `path`: the Unix file type bits, or the declared uncompressed size —
    /// what a hostile tool writes and ZIPFoundation cannot.
    public static func patch(
        _ path: String, entry name: String, mode: UInt16? = nil, declaredSize: UInt32? = nil
    )
        throws
    {
        var bytes = try FileSystem.read(path)
        let nameBytes = Array(name.utf8)
        func uint16(_ offset: Int) -> Int { Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 }
        func put32(_ value: UInt32, at offset: Int) {
            for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
        }
        var offset = 0
        var found = false
        while offset + 46 <= bytes.count {
            let signature = bytes[offset..<(offset + 4)]
            if signature.elementsEqual([0x50, 0x4B, 0x01, 0x02]) {
                let length = uint16(offset + 28)
                if bytes[(offset + 46)..<(offset + 46 + length)].elementsEqual(nameBytes) {
                    found = true
                    if let mode {
                        bytes[offset + 5] = 3  // made by Unix
                        let attributes = UInt32(mode) << 16
                        put32(attributes, at: offset + 38)
                    }
                    if let declaredSize { put32(declaredSize, at: offset + 24) }
                }
            } else if signature.elementsEqual([0x50, 0x4B, 0x03, 0x04]), let declaredSize {
                let length = uint16(offset + 26)
                if offset + 30 + length <= bytes.count,
                    bytes[(offset + 30)..<(offset + 30 + length)].elementsEqual(nameBytes)
                {
                    put32(declaredSize, at: offset + 22)
                }
            }
            offset += 1
        }
        guard found else { throw LemmingError(.notFound, "no entry named \(name)", path: path) }
        try FileSystem.writeAtomically(bytes, to: path)
    }
}
