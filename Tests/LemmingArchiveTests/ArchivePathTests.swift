import LemmingArchive
import Testing

struct ArchivePathTests {
    @Test(arguments: [
        "lemming.json", "agents/coder/resume.json", "agents/coder/outbox/00000003-coder-01.json",
        "shared/notes with spaces.md", "agents/a/workspace/.gitignore", "agents/a/workspace/é/ü.txt", "a..b/c..",
    ])
    func acceptsCanonicalRelativePaths(path: String) {
        #expect(ArchivePath.problem(of: path) == nil)
    }

    @Test(arguments: [
        ("", "empty"), ("/etc/passwd", "absolute"), ("../evil", "'..'"), ("agents/../../evil", "'..'"),
        ("agents/..", "'..'"), ("./lemming.json", "'.'"), ("agents//a", "empty component"),
        ("agents/a/", "empty component"),
        ("a\\..\\..\\evil", "backslash"), ("a\u{0}b", "NUL"), ("a\nb", "control"), ("a\u{7F}b", "control"),
        (String(repeating: "a", count: 256), "longer than 255"),
        (String(repeating: "a/", count: 600) + "a", "longer than 1024"),
    ])
    func refusesPathsThatCouldLeaveTheTarget(path: String, reason: String) throws {
        let problem = try #require(ArchivePath.problem(of: path))
        #expect(problem.contains(reason))
    }

    @Test func refusesBytesThatAreNotUTF8() throws {
        let problem = try #require(ArchivePath.problem([0x61, 0xFF, 0x62]))
        #expect(problem.contains("UTF-8"))
    }
}
