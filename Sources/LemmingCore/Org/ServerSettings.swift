import LemmingJSON

/// The `server` settings of `lemming.json` (DESIGN §4.5), used by `lemming serve`.
///
/// ```json
/// "server": {
///   "host": "127.0.0.1", "port": 7777,
///   "api_key_env": ["LEMMING_API_KEY"],
///   "cors_origins": ["http://localhost:3000"],
///   "allowed_hosts": ["lemming.internal"],
///   "rate_limits": {"reads_per_minute": 1200, "writes_per_minute": 120},
///   "max_body_bytes": 1048576
/// }
/// ```
public struct ServerSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 7777
    /// Environment variables holding the API keys (never the keys themselves).
    public var apiKeyVariables = ["LEMMING_API_KEY"]
    /// Origins a browser may call the API from (exact `scheme://host[:port]`).
    public var corsOrigins: [String] = []
    /// Host names, besides the bound address and the loopback names, that `Host` may name (a
    /// name behind a proxy, a machine name). Others are refused (DNS rebinding).
    public var allowedHosts: [String] = []
    /// Requests one client may make per minute to one route that reads.
    public var readsPerMinute = 1_200
    /// Requests one client may make per minute to one route that changes something.
    public var writesPerMinute = 120
    /// The largest request body accepted.
    public var maxBodyBytes = 1_048_576

    public init() {}

    /// Reads the `server` object of `lemming.json`; wrong fields become issues and keep their default.
    static func parse(_ object: JSONObject, issues: inout IssueCollector) -> ServerSettings {
        var settings = ServerSettings()
        issues.warnUnknownKeys(
            object,
            known: [
                "host", "port", "api_key_env", "cors_origins", "allowed_hosts", "rate_limits", "max_body_bytes",
            ],
            prefix: "server")
        if let host = issues.optionalString(object, "host", prefix: "server") {
            if host.isEmpty || host.contains(where: { $0 == " " || $0 == "/" }) {
                issues.error("server.host", "host", "must be a host name or address (got '\(host)')")
            } else {
                settings.host = host
            }
        }
        settings.port = issues.integer(object, "port", prefix: "server", default: 7777, in: 0...65_535)
        if let variables = issues.optionalStrings(object, "api_key_env", prefix: "server") {
            settings.apiKeyVariables = []
            for (position, variable) in variables.enumerated() {
                if variable.isEmpty || !variable.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    issues.error(
                        "server.api_key_env[\(position)]", "variable",
                        "must name an environment variable, not hold a key (got a value that is not a name)")
                } else {
                    settings.apiKeyVariables.append(variable)
                }
            }
        }
        if let origins = issues.optionalStrings(object, "cors_origins", prefix: "server") {
            for (position, origin) in origins.enumerated() {
                if origin == "*" || !(origin.hasPrefix("http://") || origin.hasPrefix("https://"))
                    || origin.hasSuffix("/")
                {
                    issues.error(
                        "server.cors_origins[\(position)]", "origin",
                        "must be an exact origin such as https://example.com (got '\(origin)')")
                } else {
                    settings.corsOrigins.append(origin)
                }
            }
        }
        if let hosts = issues.optionalStrings(object, "allowed_hosts", prefix: "server") {
            for (position, host) in hosts.enumerated() {
                let isName =
                    !host.isEmpty && host.utf8.count <= 253
                    && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
                if isName {
                    settings.allowedHosts.append(host.lowercased())
                } else {
                    issues.error(
                        "server.allowed_hosts[\(position)]", "host",
                        "must be a host name such as lemming.internal, without scheme or port (got '\(host)')")
                }
            }
        }
        let limits = issues.object(object, "rate_limits", prefix: "server")
        issues.warnUnknownKeys(limits, known: ["reads_per_minute", "writes_per_minute"], prefix: "server.rate_limits")
        settings.readsPerMinute = issues.integer(
            limits, "reads_per_minute", prefix: "server.rate_limits", default: 1_200, in: 1...1_000_000)
        settings.writesPerMinute = issues.integer(
            limits, "writes_per_minute", prefix: "server.rate_limits", default: 120, in: 1...1_000_000)
        settings.maxBodyBytes = issues.integer(
            object, "max_body_bytes", prefix: "server", default: 1_048_576, in: 1_024...1_073_741_824)
        return settings
    }
}
