/// LeMMing's version: what `lemming --version` prints, and what its MCP servers and clients say
/// they are.
public enum LemmingVersion {
    /// The version, `MAJOR.MINOR.PATCH` (Semantic Versioning 2.0.0); the one place it is set.
    public static let current = "0.1.0"
}
