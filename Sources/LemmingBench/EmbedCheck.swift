import Foundation
import LemmingCore
import LemmingJSON
import LemmingProviders

/// `lemming-bench embed --org DIR --model KEY TEXT…`: embeds the texts with the org's model
/// `KEY` through the provider layer (``ProviderFactory/makeEmbedder(for:registry:org:)``, as the
/// search index will) and prints one JSON line: the vector count and dimension, the model, the
/// usage and cost, the time taken, and each text's cosine similarity to the first. A hidden test
/// hook for `scripts/e2e-embeddings.sh`, not a benchmark of BENCHMARKS.md.
enum EmbedCheck {
    static func run(arguments: [String]) async throws {
        var organization: String?
        var model: String?
        var texts: [String] = []
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--org": organization = iterator.next()
            case "--model": model = iterator.next()
            default: texts.append(argument)
            }
        }
        guard let organization, let model, !texts.isEmpty else {
            usageError("usage: lemming-bench embed --org DIR --model KEY TEXT…")
        }
        let paths = OrgPaths(root: organization)
        let (registry, issues) = ModelRegistry.load(try FileSystem.readIfPresent(paths.models))
        if let issue = issues.first(where: \.isError) { usageError("models.json: \(issue)") }
        guard let entry = registry[model] else { usageError("'\(model)' is not a key of the model registry") }
        let embedder = try ProviderFactory(environment: ProcessInfo.processInfo.environment)
            .makeEmbedder(for: entry, registry: registry, org: paths)
        let clock = ContinuousClock()
        let start = clock.now
        let embeddings = try await embedder.embed(texts)
        let elapsed = seconds(clock.now - start)
        let first = embeddings.vectors.first ?? []
        let report: JSONValue = [
            "vectors": .int(embeddings.vectors.count), "dimension": .int(embeddings.dimension ?? 0),
            "model": .string(embeddings.model), "usage": embeddings.usage.json,
            "cost": .double(embeddings.cost(at: entry.pricing)), "seconds": .double(elapsed),
            "cosine_to_first": .array(
                embeddings.vectors.map { .double(Double(Embeddings.cosineSimilarity(first, $0))) }),
        ]
        print(JSONWriter(style: .compact).string(report))
    }
}
