import ArgumentParser
import LemmingCore

/// `lemming schema resume`: prints the JSON Schema of a file format.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of a file format."
    )

    enum Document: String, ExpressibleByArgument, CaseIterable {
        case resume
    }

    @Argument(help: "The document: \(Document.allCases.map(\.rawValue).joined(separator: ", ")).")
    var document: Document

    func run() throws {
        switch document {
        case .resume: try Terminal.printJSON(ResumeSchema.document)
        }
    }
}
