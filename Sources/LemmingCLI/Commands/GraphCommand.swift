import ArgumentParser
import Foundation
import LemmingCore
import LemmingOrgView

/// `lemming graph`: who reads whom, derived from the resumes.
struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Show who reads whom (text, dot, mermaid or json).",
        discussion: "An edge A → B means B reads A's outbox: what A writes can reach B. The human reads everyone."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, dot, mermaid, json
    }

    @OptionGroup var org: OrgOptions

    @Option(help: "text, dot, mermaid or json.")
    var format: Format = .text

    @Flag(help: "Same as --format json.")
    var json = false

    func run() async throws {
        let view = try OrgView.load(root: try org.resolve())
        let nodes = view.agentNames + [Names.human]
        // Edges from author to reader; the human's reading of everyone is left implicit.
        var edges: [(from: String, to: String)] = []
        for author in nodes {
            for reader in view.graph.agentReaders(of: author) { edges.append((author, reader)) }
        }
        switch json ? .json : format {
        case .json:
            try Terminal.printJSON(view.graphJSON)
        case .dot:
            var lines = ["digraph org {", "  rankdir=LR;", "  \"human\" [shape=doublecircle];"]
            for name in view.agentNames {
                let title = view.agents[name]?.resume?.title ?? ""
                lines.append(
                    "  \"\(name)\" [label=\"\(name)\\n\(title.replacingOccurrences(of: "\"", with: "'"))\"];")
            }
            for edge in edges { lines.append("  \"\(edge.from)\" -> \"\(edge.to)\";") }
            lines.append("}")
            try Terminal.print(lines.joined(separator: "\n"))
        case .mermaid:
            var lines = ["graph LR", "  human((human))"]
            for edge in edges { lines.append("  \(edge.from) --> \(edge.to)") }
            try Terminal.print(lines.joined(separator: "\n"))
        case .text:
            let style = Style.standardOutput
            let everyone = Set(view.agentNames)
            for name in nodes {
                let reads = name == Names.human ? ["everyone"] : view.graph.readable(by: name) { everyone }
                let readBy = view.graph.agentReaders(of: name)
                try Terminal.print(style.bold(name))
                try Terminal.print("  reads:   \(reads.isEmpty ? "nobody" : reads.joined(separator: ", "))")
                try Terminal.print(
                    "  read by: \(readBy.isEmpty ? "nobody but the human" : readBy.joined(separator: ", "))")
            }
        }
    }
}
