/// The `server` settings of `lemming.json` (DESIGN §4.5), used by `lemming serve`.
///
/// ```json
/// "server": {
///   "host": "127.0.0.1", "port": 7777,
///   "api_key_env": ["LEMMING_API_KEY"], "reads_need_key": false,
///   "cors_origins": ["http://localhost:3000"],
///   "allowed_hosts": ["lemming.internal"],
///   "rate_limits": {"reads_per_minute": 1200, "writes_per_minute": 120},
///   "max_body_bytes": 1048576
/// }
/// ```
public struct ServerSettings: Sendable, Equatable {
    /// The address `lemming serve` binds (`server.host`); loopback by default.
    public var host = "127.0.0.1"
    /// The TCP port it listens on (`server.port`); 0 picks a free one.
    public var port = 7777
    /// Environment variables holding the API keys (never the keys themselves).
    public var apiKeyVariables = ["LEMMING_API_KEY"]
    /// Reads need the key on loopback too when one is set (beyond loopback they always do).
    public var readsNeedKey = false
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

    /// Every setting at its default.
    public init() {}
}
