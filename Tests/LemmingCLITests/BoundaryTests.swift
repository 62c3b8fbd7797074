import ArgumentParser
import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCLI

/// The line between parsing and running (issue 11, item 15; code review §1.3, §5.5): usage errors
/// exit 64 with a pointer to `--help`, failures exit 1 with one plain line, output errors are one
/// line, and a reader that goes away ends the command quietly.
@Suite(.timeLimit(.minutes(3)))
struct BoundaryTests {
    /// Runs `script` with `sh -c`, `$0` being the `lemming` binary, in `directory`.
    static func shell(_ script: String, in directory: String) throws -> Lemming.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, Lemming.binary]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = Lemming.environment()
        return try Lemming.collect(process)
    }

    @Test(arguments: [["status"], ["status", "--json"], ["agents"], ["--help"], ["validate"]])
    func aFullDiskIsOneLineAndExitOne(arguments: [String]) throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let result = try Self.shell("\"$0\" \(arguments.joined(separator: " ")) > /dev/full", in: org.root)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr == "error: cannot write to standard output: No space left on device\n")
    }

    @Test(arguments: [["logs", "manager"], ["logs", "manager", "--json"], ["status"], ["--help"]])
    func aReaderThatWentAwayEndsTheCommandQuietly(arguments: [String]) throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["run", "--ticks", "3"]).status == 0)
        // Standard output is a pipe nobody reads any more; SIGPIPE is ignored (as a shell or a
        // supervisor may leave it), so the first write fails with EPIPE.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap '' PIPE; exec \"$0\" \"$@\"", Lemming.binary] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: org.root)
        process.environment = Lemming.environment()
        let output = Pipe()
        try output.fileHandleForReading.close()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try output.fileHandleForWriting.close()
        let stderr = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        #expect(String(decoding: stderr, as: UTF8.self) == "")
    }

    @Test func aBusyPortIsAFailureInWordsNotAUsageError() async throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        // The port is the one the system gave a server that holds it while the second one tries.
        let first = try await ServeCommandTests.Served.start(org)
        defer { first.process.stop() }
        let second = try org.lemming(["serve", "--port", String(first.port)])
        #expect(second.status == 1)
        #expect(second.stderr == "error: port \(first.port) is already in use on 127.0.0.1\n")
        #expect(!second.stderr.contains("errno"))
        #expect(!second.stderr.contains("--help"))
    }

    @Test func parseAndRunErrorsAreToldApart() {
        let parse = LemmingMain.parseFailure(ValidationError("--ticks must be at least 1"), arguments: ["run"])
        #expect(
            parse == .init(standardError: "error: --ticks must be at least 1 (see lemming run --help)\n", status: 64))
        let failure = LemmingMain.runFailure(
            LemmingError(.notFound, "no agent named 'ghost'"), arguments: ["logs", "ghost"])
        #expect(failure == .init(standardError: "error: no agent named 'ghost'\n", status: 1))
        #expect(LemmingMain.runFailure(CancellationError(), arguments: ["run"]) == .init(status: 130))
        #expect(LemmingMain.runFailure(ExitCode(3), arguments: ["run"]) == .init(status: 3))
        #expect(
            LemmingMain.runFailure(OutputError(stream: .standardOutput, code: EPIPE), arguments: []) == .init(status: 0)
        )
        struct Opaque: Error, CustomStringConvertible {
            var description: String { "bind(descriptor:ptr:bytes:): Address already in use (errno: 98)\nmore" }
        }
        #expect(
            LemmingMain.runFailure(Opaque(), arguments: ["serve"])
                == .init(standardError: "error: Address already in use\n", status: 1))
    }

    @Test func logsReportsTurnRecordsItCannotRead() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["run", "--ticks", "2"]).status == 0)
        let file = "agents/manager/logs/turns.jsonl"
        var records = try FileSystem.read(org.path(file)).split(separator: 0x0A).map { Array($0) }
        #expect(records.count == 2)
        records.insert(Array("{\"tick\": 1, \"stop_rea".utf8), at: 1)
        records.append(Array("42".utf8))
        try FileSystem.writeAtomically(Array(records.joined(separator: [0x0A])) + [0x0A], to: org.path(file))
        for json in [false, true] {
            let result = try org.lemming(["logs", "manager"] + (json ? ["--json"] : []))
            #expect(result.status == 0)
            #expect(lines(result.stdout).count == 2, "\(result.stdout)")
            #expect(
                result.stderr
                    == "warning: \(file):2: not a turn record (left out)\nwarning: \(file):4: not a turn record (left out)\n"
            )
        }
        // From the end: the last two lines are the record of tick 2 and the bad one.
        let last = try org.lemming(["logs", "manager", "-n", "2"])
        #expect(last.stderr == "warning: \(file):4: not a turn record (left out)\n")
    }

    @Test func aResumeThatIsAFolderOrTooLargeIsAnError() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        try FileSystem.removeTree(org.path("agents/planner/resume.json"))
        try FileSystem.makeDirectory(org.path("agents/planner/resume.json"))
        // A huge resume: a valid one padded with blanks past the cap.
        var coder = try FileSystem.read(org.path("agents/coder/resume.json"))
        coder += [UInt8](repeating: 0x20, count: 300 * 1024)
        try FileSystem.writeAtomically(coder, to: org.path("agents/coder/resume.json"))
        let size = coder.count

        let validated = try org.lemming(["validate"])
        #expect(validated.status == 1)
        #expect(
            validated.stdout.contains("error: agents/planner/resume.json: is a folder; a resume must be a JSON file"))
        #expect(
            validated.stdout.contains(
                "error: agents/coder/resume.json: is \(size) bytes, more than the 262144 bytes (256 KiB) a resume may have"
            ),
            "\(validated.stdout)")

        let status = try JSONValue.parse(try org.lemming(["status", "--json"]).stdout)
        let states = Dictionary(
            uniqueKeysWithValues: (status["agents"]?.arrayValue ?? []).compactMap { agent in
                agent["name"]?.stringValue.map { ($0, agent["state"]?.stringValue ?? "") }
            })
        #expect(states["planner"] == "invalid_resume")
        #expect(states["coder"] == "invalid_resume")

        let doctor = try org.lemming(["doctor", "--no-call"])
        #expect(doctor.status == 1)
        #expect(doctor.stdout.contains("FAIL agent planner is disabled: agents/planner/resume.json: is a folder"))

        // The engine says so in its log.
        #expect(try org.lemming(["step"]).status == 0)
        let events = LogFilesText.lines(try FileSystem.read(org.path("logs/engine.jsonl")))
        #expect(events.contains { $0["type"] == "resume_invalid" && $0["agent"] == "planner" })
        #expect(events.contains { $0["type"] == "resume_invalid" && $0["agent"] == "coder" })
    }
}

/// The JSON lines of a log file.
enum LogFilesText {
    static func lines(_ bytes: [UInt8]) -> [JSONValue] {
        bytes.split(separator: 0x0A).compactMap { try? JSONValue.parse(Array($0)) }
    }
}
