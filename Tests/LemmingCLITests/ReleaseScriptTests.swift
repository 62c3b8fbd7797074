import Foundation
import LemmingCore
import LemmingTesting
import Testing

/// `scripts/release.sh --check-only` and `scripts/changelog.sh`, run in a scratch git repository
/// holding just what they read (the release build itself is not run here: it takes minutes).
@Suite(.timeLimit(.minutes(2)))
struct ReleaseScriptTests {
    /// A git repository with the two scripts, a version file saying `version` and a changelog
    /// with a section for each of `sections`, all committed.
    struct Repository {
        let root: String

        init(version: String, sections: [String]) throws {
            root = try makeTemporaryDirectory(prefix: "lemming-release-")
            let manager = FileManager.default
            for folder in ["scripts", "Sources/LemmingCore"] {
                try manager.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
            }
            for script in ["scripts/release.sh", "scripts/changelog.sh"] {
                try manager.copyItem(atPath: "\(repositoryRoot)/\(script)", toPath: "\(root)/\(script)")
            }
            try "public enum LemmingVersion {\n    public static let current = \"\(version)\"\n}\n"
                .write(toFile: "\(root)/Sources/LemmingCore/LemmingVersion.swift", atomically: true, encoding: .utf8)
            let changelog = "# Changelog\n\n" + sections.map { "## [\($0)] - 2026-11-30\n\n- Things.\n\n" }.joined()
            try changelog.write(toFile: "\(root)/CHANGELOG.md", atomically: true, encoding: .utf8)
            _ = try git(["init", "-q"])
            try commit("First release")
        }

        func git(_ arguments: [String]) throws -> Lemming.Result {
            try run("/usr/bin/git", ["-c", "user.name=Test", "-c", "user.email=test@example.com"] + arguments)
        }

        func commit(_ subject: String) throws {
            _ = try git(["add", "-A"])
            let result = try git(["commit", "-q", "--allow-empty", "-m", subject])
            #expect(result.status == 0, "\(result.stderr)")
        }

        func run(_ program: String, _ arguments: [String]) throws -> Lemming.Result {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: root)
            return try Lemming.collect(process)
        }

        func release(_ arguments: String...) throws -> Lemming.Result {
            try run("/bin/bash", ["scripts/release.sh"] + arguments)
        }

        func remove() { try? FileSystem.removeTree(root) }
    }

    @Test func aReadyCommitPassesTheChecks() throws {
        let repository = try Repository(version: "1.2.3", sections: ["1.2.3"])
        defer { repository.remove() }
        let result = try repository.release("1.2.3", "--check-only")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ready for 1.2.3"))
    }

    @Test func eachCheckRefusesWithItsReason() throws {
        let repository = try Repository(version: "1.2.3", sections: ["1.2.3"])
        defer { repository.remove() }
        func refusal(_ arguments: String...) throws -> String {
            let result = try repository.run("/bin/bash", ["scripts/release.sh"] + arguments)
            #expect(result.status == 1)
            return result.stderr
        }
        #expect(try refusal("1.2", "--check-only").contains("give the version as X.Y.Z"))
        #expect(try refusal("1.2.3", "--fast").contains("unknown argument --fast"))
        #expect(try refusal("1.2.4", "--check-only").contains("LemmingVersion.swift says 1.2.3; set it to 1.2.4"))

        let versionFile = "\(repository.root)/Sources/LemmingCore/LemmingVersion.swift"
        try "public enum LemmingVersion {\n    public static let current = \"1.2.4\"\n}\n"
            .write(toFile: versionFile, atomically: true, encoding: .utf8)
        #expect(try refusal("1.2.4", "--check-only").contains("uncommitted changes"))
        try repository.commit("Version 1.2.4")
        #expect(try refusal("1.2.4", "--check-only").contains("CHANGELOG.md has no '## [1.2.4]' section"))

        _ = try repository.git(["tag", "-a", "v1.2.4", "-m", "taken"])
        try "# Changelog\n\n## [1.2.4] - 2026-12-01\n\n- More.\n".write(
            toFile: "\(repository.root)/CHANGELOG.md", atomically: true, encoding: .utf8)
        try repository.commit("Changelog for 1.2.4")
        #expect(try refusal("1.2.4", "--check-only").contains("the tag v1.2.4 exists already"))
    }

    @Test func theChangelogListsTheCommitsSinceTheLastTag() throws {
        let repository = try Repository(version: "1.0.0", sections: ["1.0.0"])
        defer { repository.remove() }
        _ = try repository.git(["tag", "-a", "v1.0.0", "-m", "1.0.0"])
        try repository.commit("Add the frobnicator")
        try repository.commit("Fix the frobnicator's off-by-one")
        let result = try repository.run("/bin/bash", ["scripts/changelog.sh"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { $0.replacing(#/ \([0-9a-f]+\)$/#, with: "") }
        #expect(lines == ["- Add the frobnicator", "- Fix the frobnicator's off-by-one"])
        let all = try repository.run("/bin/bash", ["scripts/changelog.sh", "v1.0.0"])
        #expect(all.stdout == result.stdout)
    }
}
