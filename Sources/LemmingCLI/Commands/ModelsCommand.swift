import ArgumentParser
import Foundation
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingProviders

/// `lemming models`: the model registry.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the model registry: built-in and models.json entries, providers, prices, keys present.",
        discussion: "API keys are read from the environment; this shows whether each variable is set, never its value."
    )

    @OptionGroup var org: OrgOptions

    @Flag(help: "Only the models that agents use (and their fallbacks).")
    var used = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let view = try OrgView.load(root: try org.resolve())
        let environment = ProcessInfo.processInfo.environment
        let rows = ModelListing.all(in: view, environment: environment, usedOnly: used)
        if output.json {
            try Terminal.printJSON(.array(rows.map(\.json)))
            return
        }
        let style = Style.standardOutput
        try Terminal.print(
            Table.render(
                header: ["KEY", "PROVIDER", "MODEL", "CONTEXT", "PRICE IN/OUT", "API KEY", "USED BY", "FROM"],
                rows: rows.map { row in
                    [
                        row.entry.key, row.entry.provider, row.entry.model,
                        row.entry.maxContextTokens.map(String.init) ?? "-", row.price,
                        row.keyVariable.map { row.keyPresent ? "\($0) set" : style.yellow("\($0) missing") } ?? "-",
                        row.users.isEmpty ? "-" : row.users.joined(separator: ","),
                        ModelRegistry.isBuiltIn(row.entry.key) && row.entry.document["price_in_per_mtok"] == nil
                            ? "built-in" : "models.json",
                    ]
                }))
    }
}
