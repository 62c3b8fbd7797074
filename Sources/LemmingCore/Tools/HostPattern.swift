/// An entry of `tools.http.allow_hosts`: `host`, `*.domain` or `host:port`.
public struct HostPattern: Sendable, Equatable {
    /// What ``init(_:)`` accepts, as a regular expression (for the JSON Schema of `lemming.json`).
    static let regex =
        "^(\\*\\.)?[A-Za-z0-9-]([A-Za-z0-9.-]*[A-Za-z0-9-])?"
        + "(:\\+?0*([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?$"

    /// The host name, lowercased, without `*.` or port.
    public var host: String
    /// Whether it was written `*.domain`: subdomains match, the domain itself does not.
    public var includesSubdomains: Bool
    /// The port it is limited to (1…65535); `nil`: any port.
    public var port: Int?

    /// Reads `host`, `*.domain` or `host:port` (letters, digits, `.`, `-`); `nil` when `text` is none of them.
    public init?(_ text: String) {
        var rest = Substring(text.lowercased())
        if rest.hasPrefix("*.") {
            includesSubdomains = true
            rest = rest.dropFirst(2)
        } else {
            includesSubdomains = false
        }
        if let colon = rest.lastIndex(of: ":") {
            guard let port = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(port) else { return nil }
            self.port = port
            rest = rest[..<colon]
        } else {
            port = nil
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-")
        guard !rest.isEmpty, rest.allSatisfy(allowed.contains), !rest.hasPrefix("."), !rest.hasSuffix(".") else {
            return nil
        }
        host = String(rest)
    }

    /// Whether a URL's host (lowercased) and port match.
    public func matches(host candidate: String, port candidatePort: Int) -> Bool {
        if let port, port != candidatePort { return false }
        let candidate = candidate.lowercased()
        if candidate == host { return !includesSubdomains }
        return includesSubdomains && candidate.hasSuffix("." + host)
    }
}
