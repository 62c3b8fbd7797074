import LemmingCore
import MCP

extension MCPServerPool {
    /// Starts `server` if needed (as a call would) and reports what it lists, for `lemming doctor`.
    ///
    /// - Returns: the names of its tools (`mcp.<server>.<tool>`), or why it cannot be used.
    public func probe(_ server: String) async -> Result<[String], ProbeFailure> {
        switch await ready(server) {
        case .success(let (_, tools)): return .success(tools.map { "mcp.\(server).\($0.name)" }.sorted())
        case .failure(let unavailable): return .failure(ProbeFailure(reason: unavailable.reason))
        }
    }

    /// Why a server could not be used.
    public struct ProbeFailure: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }
}
