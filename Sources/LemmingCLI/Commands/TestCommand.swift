import ArgumentParser
import Foundation
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingProviders

/// `lemming test [PATH…]`: runs scenario files against scratch copies of their orgs.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run scenario tests: each on a scratch copy of its org; exit 1 if any fails.",
        discussion: """
            A scenario file (JSON; `lemming schema scenario` prints its schema) names an org folder or a template, \
            where replies come from (a cassette, scripted replies or a live model), the human's messages by tick, \
            a tick budget and what must hold. The original org is never changed. Runs use a fixed clock \
            (LEMMING_FIXED_TIME, else 2026-01-01T00:00:00Z). --record runs the orgs' own models and writes each \
            scenario's cassette.
            """
    )

    @Argument(help: "Scenario files, or folders of them (default: scenarios/ of the org).")
    var paths: [String] = []

    @Option(help: "Write a JUnit XML report to this file.")
    var junit: String?

    @Flag(help: "Run the org's own models and record each scenario's cassette (replacing it).")
    var record = false

    @Flag(help: "Keep each scenario's scratch org, and print where it is.")
    var keep = false

    @OptionGroup var org: OrgOptions
    @OptionGroup var output: OutputOptions

    /// The instant scenario runs read when `LEMMING_FIXED_TIME` is not set: 2026-01-01T00:00:00Z.
    static let defaultTime = Date(timeIntervalSince1970: 1_767_225_600)

    func run() async throws {
        let current = FileManager.default.currentDirectoryPath
        let files: [(path: String, shown: String)]
        if paths.isEmpty {
            // The org's scenarios, shown relative to it when the command runs there.
            let root = try org.resolve()
            files = try Self.scenarioFiles(
                at: root + "/scenarios", shownAs: root == current ? "scenarios" : nil, from: current)
        } else {
            files = try paths.flatMap { try Self.scenarioFiles(at: $0, from: current) }
        }
        let environment = ProcessInfo.processInfo.environment
        let clock = try FixedWallClock.fromEnvironment(environment) ?? FixedWallClock(Self.defaultTime)
        var runner = ScenarioRunner(
            configuration: { root in
                var configuration = try EngineFactory.configuration(root: root)
                configuration.clock = clock
                return configuration
            },
            providers: ProviderFactory(environment: environment),
            templates: ["init": { root in try OrgTemplate.write(to: root, name: "scenario") }],
            scratchFolder: NSTemporaryDirectory().hasSuffix("/")
                ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory())
        runner.isRecording = record
        runner.keepsScratch = keep
        var results: [ScenarioResult] = []
        for (path, shown) in files {
            let result: ScenarioResult
            do {
                result = await runner.run(try Scenario.load(path: path, file: shown))
            } catch {
                var failed = ScenarioResult(name: Self.name(of: shown), file: shown)
                failed.error = "\(error)"
                result = failed
            }
            if !output.json { try Self.print(result) }
            results.append(result)
        }
        let failed = results.filter { !$0.passed }.count
        if let junit {
            let path = OrgOptions.absolute(junit, from: current)
            try FileSystem.writeAtomically(Array(JUnitReport.xml(results).utf8), to: path)
        }
        if output.json {
            try Terminal.printJSON([
                "passed": .int(results.count - failed), "failed": .int(failed),
                "scenarios": .array(results.map(\.json)),
            ])
        } else {
            try Terminal.print(
                "\(results.count) scenario\(results.count == 1 ? "" : "s"): \(results.count - failed) passed, "
                    + "\(failed) failed")
        }
        if failed > 0 { throw ExitCode.failure }
    }

    /// The scenario files at `path` (a file, or the `.json` files of a folder, sorted), each with
    /// the name reports show.
    static func scenarioFiles(
        at given: String, shownAs shown: String? = nil, from current: String
    ) throws -> [(path: String, shown: String)] {
        let absolute = OrgOptions.absolute(given, from: current)
        let path = shown ?? given
        guard let info = FileSystem.info(absolute) else {
            throw LemmingError(.notFound, "no scenario file or folder here", path: path)
        }
        guard info.isDirectory else { return [(absolute, path)] }
        let names = (try FileSystem.list(absolute) ?? []).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
        guard !names.isEmpty else {
            throw LemmingError(.notFound, "the folder holds no scenario (*.json) files", path: path)
        }
        let prefix = path.hasSuffix("/") ? path : path + "/"
        return names.sorted().map { (absolute + "/" + $0, prefix + $0) }
    }

    static func name(of file: String) -> String {
        let base = String(file.split(separator: "/").last ?? Substring(file))
        return base.hasSuffix(".json") ? String(base.dropLast(5)) : base
    }

    /// A scenario's verdict, then one line per check.
    static func print(_ result: ScenarioResult) throws {
        let style = Style.standardOutput
        let verdict = result.passed ? style.green("PASS") : style.red("FAIL")
        if let error = result.error {
            try Terminal.print("\(verdict) \(style.bold(result.name)) (\(result.file)): error: \(error)")
            return
        }
        try Terminal.print(
            "\(verdict) \(style.bold(result.name)) (\(result.file), \(String(format: "%.2f", result.durationSeconds)) s)"
        )
        for check in result.checks {
            let mark = check.passed ? style.green("✓") : style.red("✗")
            try Terminal.print("  \(mark) \(check.name): \(check.detail)")
        }
        if let recorded = result.recorded { try Terminal.print("  recorded \(recorded)") }
        if let scratch = result.scratch { try Terminal.print("  kept the scratch org in \(scratch)") }
    }
}
