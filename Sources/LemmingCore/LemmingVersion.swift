/// LeMMing's version: what `lemming --version` prints, and what its MCP servers and clients say
/// they are.
public enum LemmingVersion {
    public static let current = "0.1.0"
}
