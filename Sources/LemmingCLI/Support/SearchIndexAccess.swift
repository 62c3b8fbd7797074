import LemmingCore
import LemmingSearch

/// How commands open the org's search index (`state/search.sqlite`).
enum SearchIndexAccess {
    /// Opens the index, building it when it is missing, of another schema or corrupt, and (unless
    /// `catchUp` is `false`) catching it up with the org. Rebuilds are announced on standard error
    /// (`LEMMING_LOG_LEVEL`, as for the engine).
    ///
    /// - Throws: ``LemmingError`` `.io` when the file cannot be created or the org read.
    static func open(_ paths: OrgPaths, catchUp: Bool = true) throws -> SearchIndex {
        try SearchIndex.open(paths, logger: EngineFactory.logger(), catchUp: catchUp)
    }
}
