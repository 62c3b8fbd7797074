import LemmingJSON

/// An output of a task (`Artifact` of `a2a.proto`, A2A v1.0 §4.1.7).
public struct Artifact: Sendable, Equatable {
    public var artifactID: String
    public var name: String?
    public var parts: [Part]

    public init(artifactID: String, name: String? = nil, parts: [Part]) {
        self.artifactID = artifactID
        self.name = name
        self.parts = parts
    }

    public var json: JSONValue {
        var object: JSONObject = ["artifactId": .string(artifactID)]
        if let name { object["name"] = .string(name) }
        object["parts"] = .array(parts.map(\.json))
        return .object(object)
    }

    public init?(json value: JSONValue) {
        guard let object = value.objectValue else { return nil }
        self.init(
            artifactID: object["artifactId"]?.stringValue ?? "", name: object["name"]?.stringValue,
            parts: object["parts"]?.arrayValue?.compactMap(Part.init(json:)) ?? [])
    }
}
