import AsyncHTTPClient
import NIOCore

/// The HTTP client the network providers share.
public enum ProviderHTTPClient {
    /// `HTTPClient.shared`'s configuration, except that a connection that cannot be made fails the
    /// call at once (`connection`), for ``ResilientProvider`` to retry with its backoff and count
    /// against the endpoint's breaker. `HTTPClient.shared` retries connecting by itself until its
    /// 90 s connect timeout, so every call to a server that is down waited that long (or until
    /// `timeout_seconds`) and failed as a timeout.
    public static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
