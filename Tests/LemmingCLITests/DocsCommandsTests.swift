import Foundation
import LemmingCore
import LemmingTesting
import Testing

/// The repository's root (this file is `Tests/LemmingCLITests/DocsCommandsTests.swift`).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The markdown files whose commands are tested, relative to the repository: README.md, every
/// `.md` under docs/, and every example's README.md.
func documentedMarkdownFiles() -> [String] {
    var files = ["README.md"]
    let manager = FileManager.default
    if let docs = manager.enumerator(atPath: repositoryRoot + "/docs") {
        for case let path as String in docs where path.hasSuffix(".md") { files.append("docs/" + path) }
    }
    for example in (try? manager.contentsOfDirectory(atPath: repositoryRoot + "/examples")) ?? []
    where manager.fileExists(atPath: "\(repositoryRoot)/examples/\(example)/README.md") {
        files.append("examples/\(example)/README.md")
    }
    return files.sorted()
}

/// Every shell and console block of the docs runs offline and succeeds (issue 17: "a test that every
/// command in the docs' code blocks that can run offline does run").
///
/// Each file runs as one bash session (`set -euo pipefail`) in a fresh empty directory, with a
/// temporary HOME, no LEMMING_ORG, the `lemming` under test first on PATH and `LEMMING_REPO` naming
/// the repository; blocks marked `<!-- docs-test: skip: REASON -->` are not run.
@Suite(.timeLimit(.minutes(5)))
struct DocsCommandsTests {
    @Test(arguments: documentedMarkdownFiles())
    func commandsOfTheDocumentRun(file: String) async throws {
        let markdown = try String(contentsOfFile: repositoryRoot + "/" + file, encoding: .utf8)
        let script = DocsScript(markdown: markdown)
        for problem in script.problems { Issue.record("\(file): \(problem)") }
        guard script.blocks.contains(where: { $0.skipReason == nil }) else { return }

        let scratch = try makeTemporaryDirectory(prefix: "lemming-docs-")
        defer { try? FileSystem.removeTree(scratch) }
        let work = scratch + "/work"
        let home = scratch + "/home"
        for directory in [work, home] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let mark = scratch + "/block"
        let scriptFile = scratch + "/script.sh"
        try script.bashScript(file: file, markFile: mark).write(toFile: scriptFile, atomically: true, encoding: .utf8)

        var environment = Lemming.environment(["HOME": home, "LEMMING_REPO": repositoryRoot, "TMPDIR": scratch])
        environment["LEMMING_FIXED_TIME"] = nil
        let binaries = URL(fileURLWithPath: Lemming.binary).deletingLastPathComponent().path
        environment["PATH"] = binaries + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["--kill-after=5", "240", "/bin/bash", scriptFile]
        process.currentDirectoryURL = URL(fileURLWithPath: work)
        process.environment = environment
        // A document runs for seconds: wait on a thread of its own, not one of the two threads
        // of the cooperative pool, which every other test needs.
        let result = try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try Lemming.collect(process) }) }.start()
        }
        guard result.status != 0 else { return }
        let block = (try? String(contentsOfFile: mark, encoding: .utf8))?.trimmingCharacters(in: .newlines) ?? file
        Issue.record(
            """
            a command of the block at \(block) failed (exit \(result.status)\(result.status == 124 ? ": timed out" : "")); \
            mark the block `<!-- docs-test: skip: REASON -->` only if it cannot run offline.
            stdout (end): \(result.stdout.suffix(1_500))
            stderr (end): \(result.stderr.suffix(1_500))
            """)
    }

    @Test func everyDocumentIsFound() {
        let files = documentedMarkdownFiles()
        #expect(files.contains("README.md"))
        #expect(files.allSatisfy { FileManager.default.fileExists(atPath: repositoryRoot + "/" + $0) })
    }
}

@Suite struct DocsScriptTests {
    @Test func shBlocksRunWholeAndConsoleBlocksOnlyTheirPromptLines() {
        let script = DocsScript(
            markdown: """
                Text.
                ```sh
                lemming init acme   # a comment
                cd acme
                ```
                ```console
                $ lemming status
                tick 0
                $ lemming send manager \\
                  "hello"
                sent
                ```
                ```json
                {"not": "run"}
                ```
                """)
        #expect(script.problems.isEmpty)
        #expect(script.blocks.map(\.line) == [2, 6])
        #expect(script.blocks[0].commands == ["lemming init acme   # a comment", "cd acme"])
        #expect(script.blocks[1].commands == ["lemming status", "lemming send manager \\", "  \"hello\""])
    }

    @Test func directivesSkipAndSetUpTheNextBlock() {
        let script = DocsScript(
            markdown: """
                <!-- docs-test: skip: needs an API key -->
                ```sh
                lemming run
                ```
                <!-- docs-test: setup: lemming init acme -->
                <!-- docs-test: setup: cd acme -->
                ```sh
                lemming status
                ```
                """)
        #expect(script.problems.isEmpty)
        #expect(script.blocks[0].skipReason == "needs an API key")
        #expect(script.blocks[0].commands.isEmpty)
        #expect(script.blocks[1].skipReason == nil)
        #expect(script.blocks[1].setup == ["lemming init acme", "cd acme"])
        let bash = script.bashScript(file: "x.md", markFile: "/m")
        #expect(!bash.contains("lemming run\n"))
        #expect(bash.contains("lemming init acme\ncd acme\nlemming status\n"))
    }

    @Test func wrongDirectivesAreProblems() {
        let script = DocsScript(
            markdown: """
                <!-- docs-test: skip: -->
                ```sh
                true
                ```
                <!-- docs-test: later -->
                ```sh
                true
                ```
                <!-- docs-test: skip: stray -->
                Some prose.
                <!-- docs-test: skip: json -->
                ```json
                {}
                ```
                ```sh
                never closed
                """)
        #expect(
            script.problems.map(\.line) == [1, 5, 9, 12, 15],
            "\(script.problems)")
    }

    @Test func indentedFencesInListsLoseTheirIndentation() {
        let script = DocsScript(
            markdown: """
                1. Step:
                   ```sh
                   lemming validate
                   ```
                """)
        #expect(script.blocks.first?.commands == ["lemming validate"])
    }
}
