/// The `server` section of `lemming.json` (DESIGN §4.5), used by `lemming serve`.
extension OrgSettings {
    static let server: [Setting<OrgConfig>] = [
        .section("server", "Where and how `lemming serve` serves the org."),
        .string("server.host", \.server.host, pattern: "^[^ /]+$", "The address `lemming serve` listens on.") {
            host, field, issues in
            guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else {
                issues.error(field, "host", "must be a host name or address (got '\(host)')")
                return nil
            }
            return host
        },
        .integer(
            "server.port", \.server.port, in: 0...65_535, "The port `lemming serve` listens on; 0 picks a free one."),
        .strings(
            "server.api_key_env", \.server.apiKeyVariables, pattern: "^[A-Za-z0-9_]+$",
            "Environment variables holding the API keys (their names, never the keys)."
        ) { variable, field, _, issues in
            guard !variable.isEmpty, variable.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else {
                issues.error(
                    field, "variable",
                    "must name an environment variable, not hold a key (got a value that is not a name)")
                return nil
            }
            return variable
        },
        .boolean(
            "server.reads_need_key", \.server.readsNeedKey,
            "Whether reads (and the event stream) need the key on loopback too, when a key is set; beyond "
                + "loopback they always do. For a machine shared with people who should not watch the org."),
        .strings(
            "server.cors_origins", \.server.corsOrigins, pattern: "^https?://[\\s\\S]*[^/]$",
            "Exact origins (`scheme://host[:port]`) a browser may call the API from."
        ) { origin, field, _, issues in
            guard origin.hasPrefix("http://") || origin.hasPrefix("https://"), !origin.hasSuffix("/") else {
                issues.error(field, "origin", "must be an exact origin such as https://example.com (got '\(origin)')")
                return nil
            }
            return origin
        },
        .strings(
            "server.allowed_hosts", \.server.allowedHosts, pattern: "^[A-Za-z0-9.-]{1,253}$",
            "Host names the `Host` header may name besides the bound address and the loopback names "
                + "(a name behind a proxy); others are refused."
        ) { host, field, _, issues in
            let isName =
                !host.isEmpty && host.utf8.count <= 253
                && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
            guard isName else {
                issues.error(
                    field, "host",
                    "must be a host name such as lemming.internal, without scheme or port (got '\(host)')")
                return nil
            }
            return host.lowercased()
        },
        .section("server.rate_limits", "Requests one client may make per minute to one route."),
        .integer(
            "server.rate_limits.reads_per_minute", \.server.readsPerMinute, in: 1...1_000_000,
            "Requests per minute to one route that reads, per client."),
        .integer(
            "server.rate_limits.writes_per_minute", \.server.writesPerMinute, in: 1...1_000_000,
            "Requests per minute to one route that changes something, per client."),
        .integer(
            "server.max_body_bytes", \.server.maxBodyBytes, in: 1_024...1_073_741_824,
            "The largest request body accepted; a larger one gets 413."),
    ]
}
