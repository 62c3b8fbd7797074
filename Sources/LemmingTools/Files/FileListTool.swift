import LemmingCore
import LemmingJSON

/// `file_list`: the entries of a folder of the workspace or `shared/`.
struct FileListTool: Tool {
    let name = "file_list"
    /// It only reads, or changes engine state through its effects: running it again is harmless.
    let hasExternalEffects = false
    let summary = "List a folder of your workspace (or shared/...), optionally recursively."
    let argumentSchema = Schema.object(
        [
            "path": Schema.string("folder (default: your workspace)", maxLength: 1024),
            "recursive": Schema.boolean("include sub-folders (default false)"),
        ])

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        do throws(ToolFailure) {
            let location = try Sandbox(org: context.org, agent: context.agent).resolve(
                arguments["path"]?.stringValue ?? ".")
            let (entries, truncated) = try SandboxFiles.list(
                location, recursive: arguments["recursive"]?.boolValue ?? false,
                limit: context.config.tools.files.maxListEntries)
            guard !entries.isEmpty else { return ToolOutput(.success(name, "(\(location.display) is empty)")) }
            let lines = entries.map { entry in
                switch entry.kind {
                case .directory: return entry.path + "/"
                case .file: return "\(entry.path) (\(entry.size) bytes)"
                case .link: return "\(entry.path) (symlink)"
                case .other: return "\(entry.path) (special file)"
                }
            }
            return ToolOutput(.success(name, lines.joined(separator: "\n"), truncated: truncated))
        } catch {
            return ToolOutput(.failure(name, error.message))
        }
    }
}
