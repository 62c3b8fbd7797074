import AsyncHTTPClient
import Foundation
import LemmingCore
import LemmingJSON
import NIOCore
import NIOHTTP1

/// `http_get`: fetches a URL on a host allow-listed in `lemming.json` (`tools.http.allow_hosts`).
///
/// Only `http` and `https`; redirects are followed by hand, each hop checked against the
/// allow-list; the body shown is capped at `tools.http.max_bytes` and the whole call at
/// `tools.http.timeout_seconds`.
struct HTTPGetTool: Tool {
    static let maximumRedirects = 3

    /// A client that never follows redirects by itself (each hop must pass the allow-list).
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The entries of `tools.http.allow_hosts`, shown in the summary.
    let allowHosts: [String]

    let name = "http_get"
    var summary: String {
        "Fetch a web page or API over HTTP(S) (GET). Hosts: "
            + (allowHosts.isEmpty ? "none are allowed." : allowHosts.joined(separator: ", ") + ".")
    }
    let argumentSchema = Schema.object(
        ["url": Schema.string("http:// or https:// URL", minLength: 1, maxLength: 4_096)], required: ["url"])

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        let settings = context.config.tools.http
        var address = arguments["url"]?.stringValue ?? ""
        let deadline = ContinuousClock.now + .milliseconds(Int(settings.timeoutSeconds * 1000))
        for _ in 0...Self.maximumRedirects {
            if let problem = Self.problem(with: address, allowHosts: settings.allowHosts) {
                return ToolOutput(.failure(name, problem))
            }
            var request = HTTPClientRequest(url: address)
            request.headers.add(name: "User-Agent", value: "lemming")
            do {
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero else { throw HTTPClientError.deadlineExceeded }
                let milliseconds =
                    remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
                let response = try await Self.client.execute(request, timeout: .milliseconds(max(milliseconds, 1)))
                let status = Int(response.status.code)
                if (300..<400).contains(status), let location = response.headers.first(name: "Location") {
                    guard let next = URL(string: location, relativeTo: URL(string: address))?.absoluteString else {
                        return ToolOutput(.failure(name, "HTTP \(status) redirect to an invalid location"))
                    }
                    address = next
                    continue
                }
                return ToolOutput(try await Self.read(response, limit: settings.maxBytes, tool: name))
            } catch is CancellationError {
                return ToolOutput(.failure(name, "cancelled"))
            } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
                return ToolOutput(
                    .failure(name, "no answer within \(Deadline.describe(Deadline.seconds(settings.timeoutSeconds)))"))
            } catch {
                return ToolOutput(.failure(name, "request failed: \(error)"))
            }
        }
        return ToolOutput(.failure(name, "more than \(Self.maximumRedirects) redirects"))
    }

    /// Why the URL may not be fetched, or `nil`.
    static func problem(with address: String, allowHosts: [String]) -> String? {
        guard let components = URLComponents(string: address), let scheme = components.scheme?.lowercased() else {
            return "'\(address)' is not a valid URL"
        }
        guard scheme == "http" || scheme == "https" else { return "only http:// and https:// URLs may be fetched" }
        guard let host = components.host, !host.isEmpty else { return "'\(address)' has no host" }
        guard components.user == nil, components.password == nil else { return "URLs with credentials are refused" }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard allowHosts.compactMap(HostPattern.init).contains(where: { $0.matches(host: host, port: port) }) else {
            let allowed = allowHosts.isEmpty ? "no hosts are allowed" : "allowed: " + allowHosts.joined(separator: ", ")
            return "host '\(host)' is not allow-listed (\(allowed); lemming.json tools.http.allow_hosts)"
        }
        return nil
    }

    private static func read(_ response: HTTPClientResponse, limit: Int, tool: String) async throws -> ToolResult {
        var body: [UInt8] = []
        var truncated = false
        for try await buffer in response.body {
            let room = limit - body.count
            if buffer.readableBytes > room {
                body.append(contentsOf: buffer.readableBytesView.prefix(room))
                truncated = true
                break
            }
            body.append(contentsOf: buffer.readableBytesView)
        }
        let status = Int(response.status.code)
        let type = response.headers.first(name: "Content-Type") ?? "unknown type"
        let text =
            body.contains(0)
            ? "(binary body, \(body.count)\(truncated ? "+" : "") bytes, not shown)"
            : String(decoding: body, as: UTF8.self)
        let output = "HTTP \(status) (\(type))\n\n\(text)"
        guard (200..<300).contains(status) else {
            return ToolResult(
                tool: tool, isSuccess: false, output: output, error: "HTTP \(status)", isTruncated: truncated)
        }
        return .success(tool, output, truncated: truncated)
    }
}
