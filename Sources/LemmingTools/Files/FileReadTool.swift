import LemmingCore
import LemmingJSON

/// `file_read`: a text file of the workspace or `shared/`, at most `tools.files.max_read_bytes`
/// per call (`offset` pages through longer files).
struct FileReadTool: Tool {
    let name = "file_read"
    /// It only reads, or changes engine state through its effects: running it again is harmless.
    let hasExternalEffects = false
    let summary = "Read a text file of your workspace (or shared/...); long files come in pages (offset)."
    let argumentSchema = Schema.object(
        ["path": Schema.path, "offset": Schema.integer("byte to start at (default 0)", minimum: 0)],
        required: ["path"])

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        let offset = arguments["offset"]?.intValue ?? 0
        do throws(ToolFailure) {
            let location = try Sandbox(org: context.org, agent: context.agent).resolve(
                arguments["path"]?.stringValue ?? "")
            let slice = try SandboxFiles.read(location, offset: offset, limit: context.config.tools.files.maxReadBytes)
            guard !slice.bytes.contains(0) else {
                return ToolOutput(
                    .failure(name, "'\(location.display)' is a binary file (\(slice.fileSize) bytes); not shown"))
            }
            var text = String(decoding: slice.bytes, as: UTF8.self)
            if slice.isTruncated {
                let end = offset + slice.bytes.count
                text += "\n[bytes \(offset)–\(end) of \(slice.fileSize); read on with offset \(end)]"
            }
            return ToolOutput(.success(name, text, truncated: slice.isTruncated))
        } catch {
            return ToolOutput(.failure(name, error.message))
        }
    }
}
