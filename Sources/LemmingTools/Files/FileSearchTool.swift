import LemmingCore
import LemmingJSON

/// `file_search`: the lines containing a text in the files under a folder of the workspace or
/// `shared/` (symlinks are not followed; binary, hard-linked and oversized files are skipped).
struct FileSearchTool: Tool {
    let name = "file_search"
    /// It only reads, or changes engine state through its effects: running it again is harmless.
    let hasExternalEffects = false
    let summary = "Find the lines containing a text in the files of a folder of your workspace (or shared/...)."
    let argumentSchema = Schema.object(
        [
            "query": Schema.string("text to look for (not a pattern)", minLength: 1, maxLength: 1_000),
            "path": Schema.string("file or folder (default: your workspace)", maxLength: 1024),
            "ignore_case": Schema.boolean("default true"),
        ],
        required: ["query"])

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        let settings = context.config.tools.files
        do throws(ToolFailure) {
            let location = try Sandbox(org: context.org, agent: context.agent).resolve(
                arguments["path"]?.stringValue ?? ".")
            let (matches, truncated) = try SandboxFiles.search(
                arguments["query"]?.stringValue ?? "", in: location,
                ignoringCase: arguments["ignore_case"]?.boolValue ?? true, limit: settings.maxSearchMatches,
                maxFileBytes: settings.maxFileBytes)
            guard !matches.isEmpty else { return ToolOutput(.success(name, "(no matches)")) }
            return ToolOutput(.success(name, matches.joined(separator: "\n"), truncated: truncated))
        } catch {
            return ToolOutput(.failure(name, error.message))
        }
    }
}
