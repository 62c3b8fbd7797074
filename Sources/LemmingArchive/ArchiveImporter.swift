import Crypto
import Foundation
import LemmingCore
import LemmingJSON
import ZIPFoundation

/// `lemming import`: checks an archive from end to end, then extracts it into a new org, or adds
/// its agent to an org.
///
/// Opening an importer writes nothing. It refuses, before any byte is extracted:
/// - entries that could leave the target or are not plain files and folders (see ``ArchivePath``:
///   `..`, absolute names, NUL, backslashes; symbolic links, devices, pipes, sockets, encrypted
///   entries), duplicate names, and names outside `org/` but the manifest;
/// - more entries than ``Configuration/maxEntries``, or more bytes than ``Configuration/maxBytes``
///   once extracted, as the zip declares them;
/// - a manifest that does not list exactly the zip's files and folders, with their sizes.
///
/// Installing then validates every resume with the one validator, extracts into a temporary
/// folder beside the target while counting bytes (a zip bomb lies about its sizes: extraction
/// stops at the declared size) and checking each file's SHA-256, and renames the result into
/// place. A failure at any point removes the temporary folder and leaves the target as it was.
public final class ArchiveImporter {
    public struct Configuration: Sendable {
        /// The most entries (files and folders) an archive may have.
        public var maxEntries: Int
        /// The most bytes an archive may hold once extracted.
        public var maxBytes: Int
        /// Replace an existing agent, or an existing org at the target.
        public var force: Bool
        /// For an agent: leave out its outbox, archived entries and turn records (keep its resume,
        /// memory and workspace), so it can join an org whose ticks are behind its history.
        public var withoutHistory: Bool

        /// 500,000 entries: five times the 100-agent, 1,000-tick benchmark org.
        public static let defaultMaxEntries = 500_000
        /// 4 GiB.
        public static let defaultMaxBytes = 4 << 30

        public init(
            maxEntries: Int = Configuration.defaultMaxEntries, maxBytes: Int = Configuration.defaultMaxBytes,
            force: Bool = false, withoutHistory: Bool = false
        ) {
            self.maxEntries = maxEntries
            self.maxBytes = maxBytes
            self.force = force
            self.withoutHistory = withoutHistory
        }
    }

    /// What an import did.
    public struct Summary: Sendable {
        public var manifest: ArchiveManifest
        /// The org written or added to.
        public var root: String
        public var files: Int
        public var bytes: Int
        /// The resume validator's warnings.
        public var warnings: [ValidationIssue]
    }

    /// The largest manifest read, in bytes.
    static let maxManifestBytes = 64 << 20

    public let file: String
    public let configuration: Configuration
    /// The checked manifest.
    public let manifest: ArchiveManifest
    let archive: Archive
    /// The zip's file entries by org-relative path.
    let entries: [String: Entry]
    /// The manifest's files by path.
    let listed: [String: ArchiveManifest.File]

    /// Opens `file` and checks everything that can be checked without extracting (see the type's
    /// discussion).
    ///
    /// - Throws: ``LemmingError`` `.unsafeArchive`, `.archiveTooLarge`, `.invalidArchive`,
    ///   `.unsupportedFormat`, `.io`.
    public init(file: String, configuration: Configuration = Configuration()) throws {
        self.file = file
        self.configuration = configuration
        let directory = try ZipDirectory.read(file, maxEntries: configuration.maxEntries)
        let layout = try Self.layout(of: directory, file: file)
        do {
            archive = try Archive(url: URL(fileURLWithPath: file), accessMode: .read)
        } catch {
            throw LemmingError(.invalidArchive, "not a readable zip archive (\(error))", path: file)
        }
        // The library and the scan must see the same entries, in the same order.
        var entries: [String: Entry] = [:]
        var manifestEntry: Entry?
        var index = 0
        var declared = 0
        for entry in archive {
            guard index < directory.records.count,
                entry.path == String(decoding: directory.records[index].name, as: UTF8.self)
            else {
                throw LemmingError(
                    .invalidArchive,
                    "the zip's entries are ambiguous (its directory reads two ways, or a name is not marked UTF-8)",
                    path: file)
            }
            index += 1
            let name = entry.path
            if name == ArchiveManifest.entryName {
                manifestEntry = entry
            } else if entry.type == .file {
                let path = String(name.dropFirst(ArchiveManifest.rootFolder.count))
                guard entry.uncompressedSize <= UInt64(max(0, configuration.maxBytes - declared)) else {
                    throw LemmingError(
                        .archiveTooLarge,
                        "the archive holds more than the limit of \(configuration.maxBytes) bytes once extracted",
                        path: file)
                }
                declared += Int(entry.uncompressedSize)
                entries[path] = entry
            }
        }
        guard index == directory.records.count else {
            throw LemmingError(
                .invalidArchive, "the zip's entries are ambiguous (its directory reads two ways)", path: file)
        }
        guard let manifestEntry else {
            throw LemmingError(.invalidArchive, "no \(ArchiveManifest.entryName): not a LeMMing archive", path: file)
        }
        self.entries = entries
        let limit = min(Self.maxManifestBytes, configuration.maxBytes)
        guard manifestEntry.uncompressedSize <= UInt64(limit) else {
            throw LemmingError(.archiveTooLarge, "its manifest is larger than \(limit) bytes", path: file)
        }
        manifest = try ArchiveManifest(
            bytes: try Self.extract(manifestEntry, of: archive, size: Int(manifestEntry.uncompressedSize), file: file))
        listed = Dictionary(manifest.files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        try checkListing(layout)
    }

    /// The org-relative paths of the zip's files and folders, checked one by one.
    private static func layout(
        of directory: ZipDirectory, file: String
    ) throws -> (files: Set<String>, folders: Set<String>) {
        var files = Set<String>()
        var folders = Set<String>()
        // Compared as strings: two spellings of one Unicode name (NFC, NFD) are one name on some
        // file systems, and one key of the importer's tables.
        var seen = Set<String>()
        let manifestName = Array(ArchiveManifest.entryName.utf8)
        let root = Array(ArchiveManifest.rootFolder.utf8)
        for record in directory.records {
            var name = record.name
            let shown = String(decoding: name, as: UTF8.self)
            func refuse(_ reason: String) -> LemmingError {
                LemmingError(.unsafeArchive, "refusing entry '\(shown)': \(reason)", path: file)
            }
            if record.isEncrypted { throw refuse("it is encrypted") }
            switch record.kind {
            case .symbolicLink: throw refuse("a symbolic link")
            case .special: throw refuse("a device, pipe or socket")
            case .file, .directory: break
            }
            let isFolder = record.kind == .directory
            if isFolder != (name.last == UInt8(ascii: "/")) {
                throw refuse(isFolder ? "a folder whose name does not end in '/'" : "a file whose name ends in '/'")
            }
            if isFolder { name.removeLast() }
            if name == manifestName && !isFolder {
                guard seen.insert(String(decoding: name, as: UTF8.self)).inserted else {
                    throw refuse("a duplicate name")
                }
                continue
            }
            if let problem = ArchivePath.problem(name) { throw refuse(problem) }
            guard name.starts(with: root) else {
                if isFolder && name.elementsEqual(root.dropLast()) { continue }
                throw refuse("outside '\(ArchiveManifest.rootFolder)'")
            }
            guard seen.insert(String(decoding: name, as: UTF8.self)).inserted else { throw refuse("a duplicate name") }
            let path = String(decoding: name.dropFirst(root.count), as: UTF8.self)
            if isFolder { folders.insert(path) } else { files.insert(path) }
        }
        return (files, folders)
    }

    /// The manifest lists exactly the zip's files and folders, with the sizes the zip declares.
    private func checkListing(_ layout: (files: Set<String>, folders: Set<String>)) throws {
        for listedFile in manifest.files {
            guard let entry = entries[listedFile.path] else {
                throw LemmingError(
                    .invalidArchive, "the manifest lists '\(listedFile.path)', which the zip does not hold", path: file)
            }
            guard entry.uncompressedSize == UInt64(listedFile.size) else {
                throw LemmingError(
                    .invalidArchive,
                    "'\(listedFile.path)' is \(entry.uncompressedSize) bytes in the zip and \(listedFile.size) in the manifest",
                    path: file)
            }
        }
        if let extra = layout.files.subtracting(listed.keys).min() {
            throw LemmingError(
                .invalidArchive, "the zip holds '\(extra)', which the manifest does not list", path: file)
        }
        let folders = Set(manifest.directories)
        if let missing = folders.symmetricDifference(layout.folders).min() {
            throw LemmingError(
                .invalidArchive, "the folder '\(missing)' is in only one of the zip and the manifest", path: file)
        }
    }

    /// The content of `entry`, which must be `size` bytes: extraction stops as soon as it yields more.
    static func extract(_ entry: Entry, of archive: Archive, size: Int, file: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        try consume(entry, of: archive, size: size, file: file) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Streams `entry` to `body` in chunks, refusing more (or fewer) bytes than `size` and a bad
    /// CRC-32.
    static func consume(
        _ entry: Entry, of archive: Archive, size: Int, file: String, _ body: (Data) throws -> Void
    ) throws {
        var count = 0
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                count += chunk.count
                guard count <= size else {
                    throw LemmingError(
                        .archiveTooLarge, "'\(entry.path)' holds more than the \(size) bytes it declares", path: file)
                }
                try body(chunk)
            }
        } catch let error as LemmingError {
            throw error
        } catch {
            throw LemmingError(.invalidArchive, "'\(entry.path)' cannot be extracted (\(error))", path: file)
        }
        guard count == size else {
            throw LemmingError(
                .invalidArchive, "'\(entry.path)' holds \(count) bytes, not the \(size) it declares", path: file)
        }
    }

    /// The content of the listed file `path`, checked against the manifest's size and SHA-256.
    func read(_ path: String) throws -> [UInt8]? {
        guard let listedFile = listed[path], let entry = entries[path] else { return nil }
        let bytes = try Self.extract(entry, of: archive, size: listedFile.size, file: file)
        try checkDigest(SHA256.hash(data: bytes), of: listedFile)
        return bytes
    }

    func checkDigest(_ digest: SHA256.Digest, of listedFile: ArchiveManifest.File) throws {
        guard ArchiveExporter.hex(digest) == listedFile.sha256 else {
            throw LemmingError(
                .invalidArchive, "'\(listedFile.path)' does not match its SHA-256 in the manifest (altered or damaged)",
                path: file)
        }
    }
}

extension ArchiveImporter.Summary {
    /// `{"root", "kind", "org", "agent"?, "tick", "files", "bytes", "warnings": [...]}`.
    public var json: JSONValue {
        var object: JSONObject = [
            "root": .string(root), "kind": .string(manifest.agent == nil ? "org" : "agent"),
            "org": .string(manifest.org),
        ]
        if let agent = manifest.agent { object["agent"] = .string(agent) }
        object["tick"] = .int(manifest.tick)
        object["files"] = .int(files)
        object["bytes"] = .int(bytes)
        object["warnings"] = .strings(warnings.map(\.description))
        return .object(object)
    }
}
