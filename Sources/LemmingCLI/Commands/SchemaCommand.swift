import ArgumentParser
import LemmingCore
import LemmingOrgView

/// `lemming schema resume|config|scenario`: prints the JSON Schema of a file format.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of a file format."
    )

    enum Document: String, ExpressibleByArgument, CaseIterable {
        /// `agents/<name>/resume.json`.
        case resume
        /// `lemming.json`.
        case config
        /// A scenario file of `lemming test`.
        case scenario
    }

    @Argument(help: "The document: \(Document.allCases.map(\.rawValue).joined(separator: ", ")).")
    var document: Document

    func run() throws {
        switch document {
        case .resume: try Terminal.printJSON(ResumeSchema.document)
        case .config: try Terminal.printJSON(ConfigSchema.document)
        case .scenario: try Terminal.printJSON(ScenarioSchema.document)
        }
    }
}
