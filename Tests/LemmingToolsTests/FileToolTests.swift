import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct FileToolTests {
    static let fileTools = ["file_read", "file_write", "file_append", "file_list", "file_search"]

    @Test func fileToolsWorkInTheWorkspaceAndShared() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: Self.fileTools), toolAgent("b", tools: ["file_read"], every: 2)],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("file_write", ["path": "notes/todo.txt", "content": "buy milk\nwrite tests\n"]),
                        call("file_append", ["path": "notes/todo.txt", "content": "ship it\n"]),
                        call("file_read", ["path": "./notes/todo.txt"]),
                        call("file_write", ["path": "shared/plan.md", "content": "# Plan\nTests first.\n"]),
                        call("file_list", ["recursive": true]),
                        call("file_search", ["query": "TESTS"]),
                        call("file_search", ["query": "plan", "path": "shared"]),
                        call("file_read", ["path": "notes/nothing.txt"]),
                        call("file_list", ["path": "notes/todo.txt"]),
                    ]),
                calls("b", tick: 2, [call("file_read", ["path": "shared/plan.md"])]),
            ])
        defer { org.remove() }
        try await runWithTools(org, ticks: 2)

        let tick1 = try results(org, "a", tick: 1)
        #expect(tick1.count == 9)
        #expect(tick1[0].success && tick1[0].output == "wrote 21 bytes to notes/todo.txt (now 21 bytes)")
        #expect(tick1[1].success && tick1[1].output.hasSuffix("(now 29 bytes)"))
        #expect(tick1[2].success && tick1[2].output == "buy milk\nwrite tests\nship it\n" && !tick1[2].truncated)
        #expect(tick1[3].success)
        #expect(tick1[4].success && tick1[4].output == "notes/\nnotes/todo.txt (29 bytes)")
        #expect(tick1[5].success && tick1[5].output == "notes/todo.txt:2: write tests")
        #expect(tick1[6].success && tick1[6].output == "shared/plan.md:1: # Plan")
        #expect(!tick1[7].success && tick1[7].error == "'notes/nothing.txt' does not exist")
        #expect(!tick1[8].success && tick1[8].error == "'notes/todo.txt' is not a folder")

        #expect(try org.text("agents/a/workspace/notes/todo.txt") == "buy milk\nwrite tests\nship it\n")
        #expect(try org.text("shared/plan.md") == "# Plan\nTests first.\n")
        // Another agent reads what the first one left in shared/.
        let tick2 = try results(org, "b", tick: 2)
        #expect(tick2 == [RecordedResult(["tool": "file_read", "success": true, "output": "# Plan\nTests first.\n"])])
    }

    @Test func longFilesAreReadInPages() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["file_read"])],
            replies: [
                calls(
                    "a", tick: 1,
                    [call("file_read", ["path": "big.txt"]), call("file_read", ["path": "big.txt", "offset": 100])])
            ],
            config: ["tools": ["files": ["max_read_bytes": 100]]])
        defer { org.remove() }
        try org.writeBytes("agents/a/workspace/big.txt", Array(String(repeating: "0123456789", count: 15).utf8))
        try await runWithTools(org, ticks: 1)
        let tick1 = try results(org, "a", tick: 1)
        #expect(tick1[0].success && tick1[0].truncated)
        #expect(tick1[0].output.hasPrefix(String(repeating: "0123456789", count: 10) + "\n[bytes 0–100 of 150"))
        #expect(tick1[1].success && !tick1[1].truncated && tick1[1].output == String(repeating: "0123456789", count: 5))
    }

    @Test func binaryFilesAreNotShown() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["file_read"])],
            replies: [calls("a", tick: 1, [call("file_read", ["path": "blob.bin"])])])
        defer { org.remove() }
        try org.writeBytes("agents/a/workspace/blob.bin", [0x01, 0x00, 0xFF])
        try await runWithTools(org, ticks: 1)
        let result = try #require(try results(org, "a", tick: 1).first)
        #expect(!result.success && result.error == "'blob.bin' is a binary file (3 bytes); not shown")
    }
}
