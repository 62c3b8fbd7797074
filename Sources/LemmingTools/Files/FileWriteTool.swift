import LemmingCore
import LemmingJSON

/// `file_write` and `file_append`: a text file of the workspace or `shared/`, replaced atomically
/// or extended, within `tools.files.max_file_bytes` and `max_root_bytes`.
struct FileWriteTool: Tool {
    let isAppending: Bool

    var name: String { isAppending ? "file_append" : "file_write" }
    var summary: String {
        isAppending
            ? "Append text to a file of your workspace (or shared/...), creating it if needed."
            : "Write (replace) a text file of your workspace (or shared/...), creating folders as needed."
    }
    var argumentSchema: JSONValue {
        Schema.object(
            ["path": Schema.path, "content": Schema.string(isAppending ? "text to append" : "the whole new text")],
            required: ["path", "content"])
    }

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        let content = Array((arguments["content"]?.stringValue ?? "").utf8)
        do throws(ToolFailure) {
            let location = try Sandbox(org: context.org, agent: context.agent).resolve(
                arguments["path"]?.stringValue ?? "")
            let size = try SandboxFiles.write(
                content, to: location, appending: isAppending, limits: context.config.tools.files)
            let verb = isAppending ? "appended \(content.count) bytes to" : "wrote \(content.count) bytes to"
            return ToolOutput(.success(name, "\(verb) \(location.display) (now \(size) bytes)"))
        } catch {
            return ToolOutput(.failure(name, error.message))
        }
    }
}
