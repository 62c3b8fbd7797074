import Foundation
import LemmingJSON
import MCP

extension JSONValue {
    /// The same JSON as the MCP SDK's `Value` (binary data becomes its `data:` URL text).
    var mcpValue: MCP.Value {
        switch self {
        case .null: .null
        case .bool(let value): .bool(value)
        case .int(let value): .int(value)
        case .double(let value): .double(value)
        case .string(let value): .string(value)
        case .array(let values): .array(values.map(\.mcpValue))
        case .object(let object):
            .object(Dictionary(object.map { ($0.key, $0.value.mcpValue) }, uniquingKeysWith: { _, last in last }))
        }
    }

    init(_ value: MCP.Value) {
        switch value {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .data(let mimeType, let data):
            self = .string("data:\(mimeType ?? "application/octet-stream");base64,\(data.base64EncodedString())")
        case .array(let values): self = .array(values.map(JSONValue.init))
        case .object(let object):
            var result = JSONObject()
            for key in object.keys.sorted() { result[key] = object[key].map(JSONValue.init) ?? .null }
            self = .object(result)
        }
    }
}
