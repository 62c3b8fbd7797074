import AsyncHTTPClient
import NIOCore

/// The HTTP client the network providers share.
public enum ProviderHTTPClient {
    /// `HTTPClient.shared`'s configuration, except that a connection that cannot be made fails the
    /// call at once (`connection`), for ``ResilientProvider`` to retry with its backoff and count
    /// against the endpoint's breaker. `HTTPClient.shared` retries connecting by itself until its
    /// 90 s connect timeout, so every call to a server that is down waited that long (or until
    /// `timeout_seconds`) and failed as a timeout.
    ///
    /// It keeps up to ``connectionsPerEndpoint`` HTTP/1.1 connections per endpoint, so that the
    /// calls in flight are bounded by the engine's `max_concurrent_turns` (at most 4096) and an
    /// entry's `max_concurrent_requests`, not by the client: the default pool of 8 held a tick of
    /// 100 agents against one endpoint to 8 calls at a time. Over HTTPS, servers that speak HTTP/2
    /// get one connection and many streams (as many as the server allows, 100 when it says
    /// nothing); plain `http://` is always HTTP/1.1 (the client has no cleartext HTTP/2).
    public static let shared = make(connectionsPerEndpoint: connectionsPerEndpoint)

    /// A client configured as ``shared`` but keeping `connectionsPerEndpoint` HTTP/1.1
    /// connections per endpoint (the benchmark compares the client's default pool of 8). The
    /// caller shuts it down.
    public static func make(connectionsPerEndpoint: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerEndpoint
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// The HTTP/1.1 connections kept per endpoint: the most `max_concurrent_turns` allows.
    public static let connectionsPerEndpoint = 4096
}
