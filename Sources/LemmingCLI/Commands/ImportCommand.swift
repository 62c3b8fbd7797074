import ArgumentParser
import Foundation
import LemmingArchive
import LemmingCore

/// `lemming import FILE [DIR] [--force]`.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Extract an archive of `lemming export`: a whole org into a new folder, or an agent into an org.",
        discussion: """
            Nothing is written until the whole archive checks out: every entry stays inside the target (no '..', \
            absolute names, symbolic links, devices, NUL or backslashes, no duplicates), the archive is within \
            --max-entries and --max-bytes, the manifest lists exactly the files with their sizes, and every resume \
            validates. Files are extracted into a temporary folder beside the target, each checked against its \
            size and SHA-256, then renamed into place. An existing agent, or a folder that is not empty, is never \
            replaced without --force (and a folder that is not an org never is).
            """
    )

    @Argument(help: "The archive to read.")
    var file: String

    @Argument(
        help: """
            For an org archive: the new org's folder (default: ./<org name>). For an agent archive: the org to \
            add it to (default: --org, $LEMMING_ORG or the nearest org upward).
            """)
    var directory: String?

    @OptionGroup var org: OrgOptions

    @Flag(help: "Replace an existing agent, or the org at DIR.")
    var force = false

    @Flag(
        help: "For an agent: leave out its outbox, archived entries and turn records (keep resume, memory, workspace).")
    var withoutHistory = false

    @Option(help: "The most bytes the archive may hold once extracted (suffixes K, M, G: powers of 1024).")
    var maxBytes = ByteCount(ArchiveImporter.Configuration.defaultMaxBytes)

    @Option(help: "The most entries (files and folders) the archive may hold.")
    var maxEntries = ArchiveImporter.Configuration.defaultMaxEntries

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard maxEntries > 0 else { throw ValidationError("--max-entries must be at least 1") }
    }

    func run() async throws {
        let current = FileManager.default.currentDirectoryPath
        let importer = try ArchiveImporter(
            file: OrgOptions.absolute(file, from: current),
            configuration: .init(
                maxEntries: maxEntries, maxBytes: maxBytes.value, force: force, withoutHistory: withoutHistory))
        let manifest = importer.manifest
        let summary: ArchiveImporter.Summary
        if manifest.agent != nil {
            let root = try directory.map { OrgOptions.absolute($0, from: current) } ?? org.resolve()
            summary = try importer.importAgent(into: root)
        } else {
            summary = try importer.importOrg(into: try target(for: manifest, from: current))
        }
        if output.json {
            try Terminal.printJSON(summary.json)
            return
        }
        for warning in summary.warnings { try Terminal.print("warning: \(warning)") }
        let what = manifest.agent.map { "agent '\($0)' into" } ?? "org '\(manifest.org)' to"
        try Terminal.print(
            "imported \(what) \(summary.root): \(summary.files) files, \(IndexFormatting.bytes(summary.bytes))"
                + " (exported at tick \(manifest.tick))")
    }

    /// DIR, else a folder named after the org in the current directory.
    private func target(for manifest: ArchiveManifest, from current: String) throws -> String {
        if let directory { return OrgOptions.absolute(directory, from: current) }
        let name = manifest.org
        guard ArchivePath.problem(of: name) == nil, !name.contains("/"), !name.hasPrefix(".") else {
            throw LemmingError(
                .invalidArgument,
                "the org's name '\(name)' is not a folder name; name the folder: lemming import FILE DIR")
        }
        return OrgOptions.absolute(name, from: current)
    }
}

/// A number of bytes given as `1048576`, `512K`, `64M` or `4G` (powers of 1024).
struct ByteCount: ExpressibleByArgument, CustomStringConvertible {
    var value: Int

    init(_ value: Int) { self.value = value }

    init?(argument: String) {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = Substring(argument)
        var multiplier = 1
        if let last = digits.last?.uppercased().first, let unit = units[last] {
            multiplier = unit
            digits = digits.dropLast()
        }
        guard let number = Int(digits), number > 0 else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        value = product
    }

    var description: String {
        for (suffix, shift) in [("T", 40), ("G", 30), ("M", 20), ("K", 10)] where value % (1 << shift) == 0 {
            return "\(value >> shift)\(suffix)"
        }
        return "\(value)"
    }

    var defaultValueDescription: String { description }
}
