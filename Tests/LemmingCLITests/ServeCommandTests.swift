import AsyncHTTPClient
import Foundation
import HummingbirdWSClient
import LemmingCore
import LemmingJSON
import LemmingTesting
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `lemming serve`, end to end: the built binary on 127.0.0.1 with a port the system picks.
@Suite(.timeLimit(.minutes(3))) struct ServeCommandTests {
    /// A `lemming serve` process and the port it reported.
    struct Served {
        let process: Background
        let port: Int

        /// Starts `lemming serve --port 0 extra…` in `org` and waits for its "serving" line.
        static func start(
            _ org: InitOrg, _ extra: [String] = [], environment: [String: String] = [:], binary: String = Lemming.binary
        ) async throws -> Served {
            let process = try Background(
                ["serve", "--port", "0"] + extra, in: org.root, environment: environment, binary: binary)
            guard await process.waitForOutput("Ctrl-C stops"),
                let line = lines(process.stdout).first(where: { $0.hasPrefix("serving ") }),
                let address = line.split(separator: " ").first(where: { $0.hasPrefix("http://127.0.0.1:") }),
                let port = Int(address.dropFirst("http://127.0.0.1:".count))
            else {
                process.stop()
                throw OperatorTestFailure("lemming serve did not start: \(process.stdout) \(process.stderr)")
            }
            return Served(process: process, port: port)
        }

        /// Sends a GET and returns the status and the body as text.
        func text(_ path: String) async throws -> (status: Int, text: String) {
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 16 << 20)
            return (Int(response.status.code), String(buffer: body))
        }

        /// Sends a request and reads the whole answer.
        func call(
            _ path: String, method: HTTPMethod = .GET, json: JSONValue? = nil, key: String? = nil
        ) async throws -> (status: Int, json: JSONValue?) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = method
            if let json {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: JSONWriter().bytes(json)))
            }
            if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 16 << 20)
            return (Int(response.status.code), try? JSONValue.parse(Array(buffer: body)))
        }
    }

    @Test func servesTheOrgAndStopsOnSIGINTClosingTheEventStream() async throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let served = try await Served.start(org)
        #expect(served.process.stdout.contains("serving acme on http://127.0.0.1:\(served.port)"))
        let health = try await served.call("/healthz")
        #expect(health.status == 200)
        let status = try await served.call("/api/status")
        #expect(status.status == 200)
        #expect(status.json?["org"] == "acme")
        #expect(status.json?["engine_running"] == false)
        let agents = try await served.call("/api/agents")
        #expect(agents.status == 200)
        // Without an engine, a step runs here and now.
        let step = try await served.call("/api/step", method: .POST)
        #expect(step.status == 200)
        #expect(try org.json("state/tick.json")["next_tick"] == 2)

        // A WebSocket client is connected when the signal comes: the server ends its stream.
        let closed = try await withThrowingTaskGroup(of: Bool.self) { tasks in
            let connected = AsyncStream.makeStream(of: Void.self)
            tasks.addTask {
                let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
                try await WebSocketClient.connect(url: "ws://127.0.0.1:\(served.port)/api/events", logger: logger) {
                    inbound, _, _ in
                    connected.continuation.yield()
                    for try await _ in inbound.messages(maxSize: 1 << 20) {}
                }
                return true
            }
            for await _ in connected.stream { break }
            served.process.stop(signal: SIGINT)
            return try await tasks.next() ?? false
        }
        #expect(closed)
        #expect(served.process.process.terminationReason == .exit)
        #expect(served.process.process.terminationStatus == 0)
        #expect(served.process.stdout.hasSuffix("stopped\n"))
        #expect(!served.process.stderr.contains("error"))
    }

    @Test func aCopiedBinaryServesTheDashboardFromItself() async throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        // Alone in a folder of its own: no resource bundle beside it.
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let copy = folder + "/lemming"
        try FileManager.default.copyItem(atPath: Lemming.binary, toPath: copy)
        let served = try await Served.start(org, binary: copy)
        defer { served.process.stop() }
        let page = try await served.text("/")
        #expect(page.status == 200)
        #expect(page.text.contains(#"<script type="module" src="/ui/app.js">"#))
        let app = try await served.text("/ui/app.js")
        #expect(app.status == 200)
        #expect(app.text.contains("from \"./core.js\""))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["lemming"])
    }

    @Test func withRunTheEngineTicksInTheServerAndStepIsRefused() async throws {
        let org = try InitOrg.make(settings: ["tick_period_seconds": 0.2])
        defer { org.remove() }
        let served = try await Served.start(org, ["--run"])
        defer { served.process.stop() }
        // Waits as long as the machine needs: the suite's time limit bounds it, no clock here.
        while (try await served.call("/api/status").json?["next_tick"]?.intValue ?? 0) < 3 {
            try await Task.sleep(for: .milliseconds(50))
        }
        let status = try await served.call("/api/status")
        #expect(status.json?["engine_running"] == true)
        let step = try await served.call("/api/step", method: .POST)
        #expect(step.status == 409)
        #expect(step.json?["error"]?["code"] == "engine_running")
        // A message from the human is queued for the engine, which delivers it.
        let sent = try await served.call(
            "/api/messages", method: .POST, json: ["to": "manager", "text": "status report, please"])
        #expect(sent.status == 202)
        let delivered = try await eventually {
            try org.entries(of: Names.human).contains { $0.payload["text"]?.stringValue == "status report, please" }
        }
        #expect(delivered)

        served.process.stop(signal: SIGINT)
        #expect(served.process.process.terminationStatus == 0)
        #expect(served.process.stdout.hasSuffix("stopped\n"))
        // The engine let go of the org: the CLI can run a tick now.
        #expect(try org.lemming(["step"]).status == 0)
    }

    @Test func withRunTheServerOutlivesTheEngineAtMaxTicks() async throws {
        let org = try InitOrg.make(settings: ["tick_period_seconds": 0.05, "max_ticks": 2])
        defer { org.remove() }
        let served = try await Served.start(org, ["--run"])
        defer { served.process.stop() }
        // The engine ticks to max_ticks, then lets go of the org; the API goes on.
        var status = try await served.call("/api/status")
        while status.json?["hosted_engine"]?["state"] != "finished" {
            try await Task.sleep(for: .milliseconds(50))
            status = try await served.call("/api/status")
        }
        #expect(status.status == 200)
        #expect(status.json?["hosted_engine"]?["reason"] == "max_ticks")
        #expect(status.json?["engine_running"] == false)
        // Clients are told: engine_stopped is the last event of the stream's history.
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let stopped = Mutex(false)
        try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(served.port)/api/events?since=0&kind=engine_stopped", logger: logger
        ) { inbound, _, _ in
            for try await message in inbound.messages(maxSize: 1 << 20) {
                if case .text(let text) = message, text.contains("engine_stopped") {
                    stopped.withLock { $0 = true }
                    break
                }
            }
        }
        #expect(stopped.withLock { $0 })
        // Changes are applied at once now, and ticks refused as for any org at max_ticks.
        let sent = try await served.call(
            "/api/messages", method: .POST, json: ["to": "manager", "text": "still there?"])
        #expect(sent.status == 201)
        let step = try await served.call("/api/step", method: .POST)
        #expect(step.status == 409)
        #expect(step.json?["error"]?["code"] == "max_ticks")
        #expect(try await served.call("/healthz").status == 200)

        served.process.stop(signal: SIGINT)
        #expect(served.process.process.terminationStatus == 0)
        #expect(served.process.stdout.contains("engine finished (reached max_ticks); next tick 3; still serving\n"))
        #expect(served.process.stdout.hasSuffix("stopped\n"))
        #expect(served.process.stderr.isEmpty, "\(served.process.stderr)")
    }

    @Test func aKeyGuardsChangesAndIsRequiredForANonLoopbackHost() async throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let refused = try org.lemming(["serve", "--host", "0.0.0.0", "--port", "0"])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("error: "))
        #expect(refused.stderr.contains("LEMMING_API_KEY"))

        let key = "serve-test-key-0123456789"
        let served = try await Served.start(org, environment: ["LEMMING_API_KEY": key])
        defer { served.process.stop() }
        // On loopback reads stay open; every change needs the key.
        #expect(try await served.call("/api/status").status == 200)
        let anonymous = try await served.call("/api/step", method: .POST)
        #expect(anonymous.status == 401)
        #expect(anonymous.json?["error"]?["code"] == "unauthorized")
        let wrong = try await served.call("/api/step", method: .POST, key: "serve-test-key-0123456780")
        #expect(wrong.status == 401)
        #expect(((try? org.json("state/tick.json"))?["next_tick"] ?? 1) == 1)
        let allowed = try await served.call("/api/step", method: .POST, key: key)
        #expect(allowed.status == 200)
        #expect(try org.json("state/tick.json")["next_tick"] == 2)
        served.process.stop(signal: SIGINT)
        #expect(!served.process.stdout.contains(key))
        #expect(!served.process.stderr.contains(key))
    }
}
