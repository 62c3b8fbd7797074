import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(2))) struct CustomToolTests {
    static let lookup = """
        #!/usr/bin/env python3
        import json, os, sys
        args = json.load(sys.stdin)
        with open("calls.log", "a") as log:
            log.write(json.dumps(args) + "\\n")
        env = ",".join(sorted(os.environ))
        cwd = os.path.basename(os.getcwd())
        print(json.dumps({"output": f"q={args['q']} agent={os.environ['LEMMING_AGENT']} "
                                    f"tick={os.environ['LEMMING_TICK']} cwd={cwd} env={env}"}))
        """

    static let misbehaving = """
        #!/usr/bin/env python3
        import json, sys
        mode = json.load(sys.stdin)["mode"]
        if mode == "error":
            print(json.dumps({"error": "the index is offline"}))
        elif mode == "exit":
            sys.stderr.write("traceback: boom\\n")
            sys.exit(3)
        elif mode == "text":
            print("not json at all")
        elif mode == "flood":
            sys.stdout.write("x" * 100000)
        else:
            print(json.dumps({"rows": [1, 2, 3]}))
        """

    static func org(replies: [ScriptLine], tools: [String]) throws -> TemporaryOrg {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: tools)], replies: replies,
            config: [
                "tools": [
                    "custom": [
                        [
                            "name": "lookup", "description": "Looks a word up.", "command": ["tools/lookup.py"],
                            "schema": [
                                "type": "object", "properties": ["q": ["type": "string"]], "required": ["q"],
                                "additionalProperties": false,
                            ],
                        ],
                        [
                            "name": "odd", "command": ["tools/odd.py"], "max_output_bytes": 1000,
                            "schema": ["type": "object", "properties": ["mode": ["type": "string"]]],
                        ],
                        ["name": "ghost", "command": ["tools/does-not-exist"]],
                    ]
                ]
            ])
        try org.writeBytes("tools/lookup.py", Array(lookup.utf8))
        try org.writeBytes("tools/odd.py", Array(misbehaving.utf8))
        #expect(chmod(org.paths.absolute("tools/lookup.py"), 0o755) == 0)
        #expect(chmod(org.paths.absolute("tools/odd.py"), 0o755) == 0)
        return org
    }

    @Test func customToolsGetJSONOnStdinAndAnswerOnStdout() async throws {
        let org = try Self.org(
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("lookup", ["q": "lemming"]),
                        call("lookup", ["query": "wrong argument"]),
                        call("odd", ["mode": "json"]),
                    ])
            ],
            tools: ["lookup", "odd"])
        defer { org.remove() }
        setenv("LEMMING_TEST_CUSTOM_SECRET", "sk-custom-secret", 1)
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = testEnvironment["PATH"]
        try await runWithTools(org, ticks: 2, environment: environment)
        let outcome = try results(org, "a", tick: 1)
        // Only PATH and the LEMMING_ variables are passed (nothing of the engine's environment
        // leaks).
        #expect(outcome[0].success && outcome[0].output.hasPrefix("q=lemming agent=a tick=1 cwd=workspace env="))
        let names = Set(outcome[0].output.split(separator: "env=").last?.split(separator: ",").map(String.init) ?? [])
        #expect(names.isSuperset(of: ["LEMMING_AGENT", "LEMMING_ORG", "LEMMING_TICK", "PATH"]))
        #expect(!names.contains("LEMMING_TEST_CUSTOM_SECRET") && !names.contains("HOME"), "\(names)")
        // Arguments that break the schema never reach the program.
        #expect(!outcome[1].success && outcome[1].error?.contains("args.q is required") == true)
        #expect(try org.text("agents/a/workspace/calls.log") == "{\"q\": \"lemming\"}\n")
        #expect(outcome[2].success && outcome[2].output == #"{"rows":[1,2,3]}"#)
        // The prompt lists the custom tool with its description and schema.
        let prompt = try userMessage(org, "a", tick: 2)
        #expect(prompt.contains(#"- lookup: Looks a word up. Arguments: {"type":"object""#))
    }

    @Test func misbehavingCustomToolsAreFailures() async throws {
        let org = try Self.org(
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("odd", ["mode": "error"]), call("odd", ["mode": "exit"]), call("odd", ["mode": "text"]),
                        call("odd", ["mode": "flood"]), call("ghost"), call("lookup", ["q": "not permitted"]),
                    ])
            ],
            tools: ["odd", "ghost"])
        defer { org.remove() }
        try await runWithTools(org, ticks: 1)
        let errors = try results(org, "a", tick: 1).map { $0.success ? "(succeeded)" : $0.error ?? "" }
        #expect(errors[0] == "the index is offline")
        #expect(errors[1] == "odd exited with status 3: traceback: boom")
        #expect(errors[2] == "odd did not answer JSON on stdout")
        #expect(errors[3] == "odd wrote more than 1000 bytes (its max_output_bytes)")
        #expect(errors[4].contains("was not found"), "\(errors[4])")
        #expect(errors[5] == "tool 'lookup' is not permitted for a (its permissions.tools)")
        #expect(try org.read("agents/a/workspace/calls.log") == nil)
    }
}
