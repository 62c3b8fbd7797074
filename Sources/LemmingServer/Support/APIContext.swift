import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of the API: the client's address (for rate limits), its connection (closed
/// early after a body over the limit) and the WebSocket upgrade hook of `/api/events`.
public struct APIContext: RequestContext, WebSocketRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<APIContext>
    public let remoteAddress: SocketAddress?
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteAddress = source.channel.remoteAddress
        channel = source.channel
    }

    /// The client, for rate limits: its IP address (`local` when unknown, as in tests).
    var client: String { remoteAddress?.ipAddress ?? "local" }
}
