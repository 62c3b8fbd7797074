import LemmingCore
import LemmingJSON

/// One agent template of the org (`templates/<name>/resume.json`), as the API lists them for
/// creating an agent from one (`POST /api/agents {"template": name}`, `lemming agent new --from`).
///
/// It shows what the template's resume says about itself; it does not validate the resume (the
/// new agent's resume is validated when it is created).
public struct TemplateListing: Sendable, Equatable {
    public var name: String
    public var title: String?
    public var shortDescription: String?
    /// The template's model key.
    public var model: String?
    /// Why the template cannot be used (not a JSON object), when it cannot.
    public var problem: String?

    public init(name: String, title: String?, shortDescription: String?, model: String?, problem: String? = nil) {
        self.name = name
        self.title = title
        self.shortDescription = shortDescription
        self.model = model
        self.problem = problem
    }

    /// Every template of the org, sorted by name: each folder of `templates/` with a valid name and
    /// a `resume.json`.
    ///
    /// - Throws: ``LemmingError`` when `templates/` or a template cannot be read.
    public static func all(in view: OrgView) throws -> [TemplateListing] {
        let names = (try FileSystem.list(view.paths.templates) ?? []).filter(Names.isValidTemplateName)
        var listings: [TemplateListing] = []
        for name in names.sorted(by: Names.precedes) {
            guard let bytes = try FileSystem.readIfPresent(view.paths.template(name)) else { continue }
            guard let resume = (try? JSONValue.parse(bytes))?.objectValue else {
                listings.append(
                    TemplateListing(
                        name: name, title: nil, shortDescription: nil, model: nil,
                        problem: "templates/\(name)/resume.json is not a JSON object"))
                continue
            }
            listings.append(
                TemplateListing(
                    name: name, title: resume["title"]?.stringValue,
                    shortDescription: resume["short_description"]?.stringValue,
                    model: resume["model"]?["key"]?.stringValue))
        }
        return listings
    }

    /// `{"name", "title", "short_description", "model", "problem"}` (null when absent).
    public var json: JSONValue {
        [
            "name": .string(name), "title": .optional(title), "short_description": .optional(shortDescription),
            "model": .optional(model), "problem": .optional(problem),
        ]
    }
}
