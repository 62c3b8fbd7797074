import Foundation

/// The shell commands of a markdown document, as the docs test runs them.
///
/// Every fenced block whose language is `sh`, `bash`, `shell` or `console` holds commands: all
/// lines of an `sh` block, and in a `console` block the lines starting with `$ ` (with their
/// `\` continuation lines; the rest is output). HTML comments on the lines just before a fence
/// steer it:
/// - `<!-- docs-test: skip: REASON -->` — the block is not run; REASON is required.
/// - `<!-- docs-test: setup: COMMANDS -->` — hidden commands run before the block (also before a
///   skipped one).
///
/// The convention is described for writers in `docs/README.md`.
struct DocsScript: Equatable {
    struct Block: Equatable {
        /// The 1-based line of the opening fence.
        var line: Int
        var language: String
        /// The commands to run, in order; empty for a skipped block.
        var commands: [String]
        /// Why the block is not run; nil when it runs.
        var skipReason: String?
        var setup: [String]
    }

    /// A directive the document got wrong (a skip without a reason, an unknown directive, a
    /// directive not followed by a fence, an unclosed fence).
    struct Problem: Equatable, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    static let shellLanguages: Set<String> = ["sh", "bash", "shell", "console"]

    var blocks: [Block] = []
    var problems: [Problem] = []

    /// The blocks of shell commands in `markdown`.
    init(markdown: String) {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var pendingSkip: String?
        var pendingSetup: [String] = []
        var directiveLine: Int?
        var index = 0
        while index < lines.count {
            let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
            if let directive = Self.directive(trimmed) {
                directiveLine = directiveLine ?? index + 1
                if directive.hasPrefix("skip:") {
                    let reason = directive.dropFirst(5).trimmingCharacters(in: .whitespaces)
                    if reason.isEmpty { problems.append(Problem(line: index + 1, message: "a skip needs a reason")) }
                    pendingSkip = reason
                } else if directive.hasPrefix("setup:") {
                    pendingSetup.append(directive.dropFirst(6).trimmingCharacters(in: .whitespaces))
                } else {
                    problems.append(Problem(line: index + 1, message: "unknown docs-test directive “\(directive)”"))
                }
                index += 1
                continue
            }
            guard let fence = Self.fence(trimmed) else {
                if let line = directiveLine, !trimmed.isEmpty {
                    problems.append(Problem(line: line, message: "a docs-test directive must come just before a fence"))
                    (pendingSkip, pendingSetup, directiveLine) = (nil, [], nil)
                }
                index += 1
                continue
            }
            let opening = index + 1
            var body: [String] = []
            index += 1
            while index < lines.count, !lines[index].trimmingCharacters(in: .whitespaces).hasPrefix(fence.marker) {
                body.append(lines[index])
                index += 1
            }
            if index == lines.count { problems.append(Problem(line: opening, message: "the fence is never closed")) }
            index += 1
            if Self.shellLanguages.contains(fence.language) {
                let indentation = lines[opening - 1].prefix { $0 == " " }.count
                let unindented = body.map { Self.dropIndentation($0, upTo: indentation) }
                blocks.append(
                    Block(
                        line: opening, language: fence.language,
                        commands: pendingSkip == nil ? Self.commands(unindented, language: fence.language) : [],
                        skipReason: pendingSkip, setup: pendingSetup))
            } else if directiveLine != nil {
                let message = "a docs-test directive before a \(fence.language) block"
                problems.append(Problem(line: opening, message: message))
            }
            (pendingSkip, pendingSetup, directiveLine) = (nil, [], nil)
        }
    }

    /// The text of `<!-- docs-test: TEXT -->`, if the line is one.
    private static func directive(_ line: String) -> String? {
        let prefix = "<!-- docs-test:"
        guard line.hasPrefix(prefix), line.hasSuffix("-->") else { return nil }
        return String(line.dropFirst(prefix.count).dropLast(3)).trimmingCharacters(in: .whitespaces)
    }

    /// The fence's marker (three or more backticks) and language, if the line opens one.
    private static func fence(_ line: String) -> (marker: String, language: String)? {
        let marker = String(line.prefix { $0 == "`" })
        guard marker.count >= 3 else { return nil }
        let info = line.dropFirst(marker.count).trimmingCharacters(in: .whitespaces)
        let language = info.split(whereSeparator: { $0 == " " || $0 == "{" }).first.map(String.init) ?? ""
        return (marker, language)
    }

    private static func dropIndentation(_ line: String, upTo count: Int) -> String {
        String(line.dropFirst(min(count, line.prefix { $0 == " " }.count)))
    }

    private static func commands(_ lines: [String], language: String) -> [String] {
        guard language == "console" else { return lines }
        var commands: [String] = []
        var continuing = false
        for line in lines {
            if continuing {
                commands.append(line)
            } else if line.hasPrefix("$ ") {
                commands.append(String(line.dropFirst(2)))
            } else {
                continue
            }
            continuing = line.hasSuffix("\\")
        }
        return commands
    }

    /// A bash script running every block in order, each announced in `markFile` first so that a
    /// failure can name its block.
    func bashScript(file: String, markFile: String) -> String {
        var script = """
            set -euo pipefail
            PS4='$ '
            # `swift run lemming ARGS` runs the lemming under test; nothing else of swift runs here.
            swift() {
                if [[ ${1:-} == run && ${2:-} == lemming ]]; then shift 2; lemming "$@"
                else echo "docs test: only \\`swift run lemming\\` can run here" >&2; return 1; fi
            }

            """
        for block in blocks {
            script += "{ set +x; } 2>/dev/null; printf '%s\\n' '\(file):\(block.line)' > '\(markFile)'; set -x\n"
            // A skipped block's setup still runs: it may restore what an earlier block changed.
            for command in block.setup + block.commands { script += command + "\n" }
        }
        return script
    }
}
