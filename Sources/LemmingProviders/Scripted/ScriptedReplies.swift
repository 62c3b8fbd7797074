import LemmingCore
import LemmingJSON

/// The replies of a `scripted` model, read from a JSON Lines file (DESIGN §6).
///
/// Each line is `{"agent": "manager", "tick": 3, "reply": <object or string>}`; a line without
/// `tick` is that agent's reply for any tick not listed. Blank lines and lines starting with `//`
/// are ignored.
public struct ScriptedReplies: Sendable, Equatable {
    private var exact: [String: [Int: String]] = [:]
    private var fallback: [String: String] = [:]

    public init() {}

    /// The reply of `agent` at `tick`, if the script has one.
    public func reply(agent: String, tick: Int) -> String? {
        exact[agent]?[tick] ?? fallback[agent]
    }

    /// Parses the file's content.
    ///
    /// - Throws: ``LemmingError`` naming the line that is wrong.
    public init(bytes: [UInt8], file: String) throws {
        var lineNumber = 0
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            let text = String(decoding: line, as: UTF8.self).trimmingWhitespace()
            if text.isEmpty || text.hasPrefix("//") { continue }
            let field = "line \(lineNumber)"
            let value: JSONValue
            do {
                value = try JSONValue.parse(text)
            } catch {
                throw LemmingError(.invalidFile, "not valid JSON (\(error))", path: file, field: field)
            }
            guard let agent = value["agent"]?.stringValue, Names.isValidAgentName(agent) else {
                throw LemmingError(.invalidFile, "needs an \"agent\" name", path: file, field: field)
            }
            let reply: String
            switch value["reply"] {
            case .string(let string)?: reply = string
            case .object(let object)?: reply = JSONValue.object(object).compactText
            default:
                throw LemmingError(
                    .invalidFile, "needs a \"reply\": a JSON object or a string", path: file, field: field)
            }
            switch value["tick"] {
            case nil, .null?:
                fallback[agent] = reply
            case let tickValue?:
                guard let tick = tickValue.intValue else {
                    throw LemmingError(.invalidFile, "\"tick\" must be an integer", path: file, field: field)
                }
                exact[agent, default: [:]][tick] = reply
            }
        }
    }
}
