// swift-tools-version:6.2
import PackageDescription

// Applied to every target.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "lemming",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lemming", targets: ["lemming"]),
        .library(name: "LemmingCore", targets: ["LemmingCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.8.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.100.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.20.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        // `swift package generate-documentation --target LemmingCore` (the DocC catalog in
        // Sources/LemmingCore/LemmingCore.docc); a plugin only, nothing is linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.4.0"),
    ],
    targets: [
        // MARK: - Libraries

        // Ordered, deterministic JSON: a parser that never traps on model output and a writer that
        // gives byte-identical files. No dependencies.
        .target(
            name: "LemmingJSON",
            swiftSettings: swiftSettings
        ),
        // The engine: org on disk, scheduler, turns, credits, journal. No networking, no database.
        .target(
            name: "LemmingCore",
            dependencies: [
                "LemmingJSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Read models and steering shared by the CLI and the server: status, agent summaries,
        // listings, agent drafts from templates, and commands applied with or without an engine.
        .target(
            name: "LemmingOrgView",
            dependencies: ["LemmingCore", "LemmingJSON"],
            swiftSettings: swiftSettings
        ),
        // Model providers: OpenAI, Anthropic, Gemini, Ollama, OpenAI-compatible, cli, scripted and
        // cassette, with retries, circuit breakers, fallback chains and recording.
        .target(
            name: "LemmingProviders",
            dependencies: [
                "LemmingCore", "LemmingJSON", "LemmingProcess",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Model Context Protocol (issue 14): the org as an MCP server, and the org's MCP servers as
        // tool sources (`mcp.<server>.<tool>`), over the official Swift SDK.
        .target(
            name: "LemmingMCP",
            dependencies: [
                "LemmingCore", "LemmingJSON", "LemmingOrgView", "LemmingProcess", "LemmingSearch",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Agent2Agent (A2A v1.0, issue 14): the wire types (hand-written: there is no Swift SDK), the
        // org as an A2A server over its files, and the client that calls remote agents.
        .target(
            name: "LemmingA2A",
            dependencies: [
                "LemmingCore", "LemmingJSON", "LemmingOrgView",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The search index (DESIGN §2.5, §3): a derived copy of what the org said, did and
        // remembered in SQLite with FTS5, kept current from engine events, rebuildable from the files.
        .target(
            name: "LemmingSearch",
            dependencies: [
                "LemmingCore", "LemmingJSON",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Export and import of orgs and agents as zip archives (issue 15): a manifest with each
        // file's size and SHA-256, and an importer that refuses anything that could leave its target.
        .target(
            name: "LemmingArchive",
            dependencies: [
                "LemmingCore", "LemmingJSON",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The sandbox launcher's system calls (Landlock, seccomp, capabilities, resource limits)
        // and openat2, in C: packed kernel structures and nothing else running in between.
        .target(name: "CLemmingSandbox"),
        // Programs run for tools and the cli provider (DESIGN §7): one runner, inside the kernel
        // sandbox. The core does not depend on it; tools and providers do, not on each other.
        .target(
            name: "LemmingProcess",
            dependencies: [
                "CLemmingSandbox", "LemmingCore",
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: swiftSettings
        ),
        // The tools agents call (DESIGN §7): memory, files, shell, http_get, calculator,
        // create_agent and custom tools, inside the sandbox.
        .target(
            name: "LemmingTools",
            dependencies: [
                "CLemmingSandbox", "LemmingA2A", "LemmingCore", "LemmingJSON", "LemmingProcess",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The dashboard's static files (DESIGN §8), embedded in the binary. No dependencies.
        .target(
            name: "LemmingDashboard",
            resources: [.embedInCode("Assets")],
            swiftSettings: swiftSettings
        ),
        // The HTTP API (DESIGN §8): REST under /api, the WebSocket event stream, Prometheus metrics,
        // and the dashboard.
        .target(
            name: "LemmingServer",
            dependencies: [
                "LemmingMCP", .product(name: "MCP", package: "swift-sdk"),
                "LemmingA2A",
                "LemmingDashboard",
                "LemmingSearch",
                "LemmingOrgView",
                "LemmingCore", "LemmingJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The commands, as a library so tests can drive them.
        .target(
            name: "LemmingCLI",
            dependencies: [
                "LemmingA2A", "LemmingArchive",
                "LemmingMCP", "LemmingProcess",
                .product(name: "MCP", package: "swift-sdk"),
                "LemmingOrgView",
                "LemmingSearch",
                "LemmingCore", "LemmingJSON",
                "LemmingProviders",
                "LemmingServer",
                "LemmingTools",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test support shared by the test targets. Deliberately not a product.
        .target(
            name: "LemmingTesting",
            dependencies: [
                "LemmingArchive", "LemmingCore", "LemmingJSON", "LemmingProviders",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Executables

        .executableTarget(
            name: "lemming",
            dependencies: ["LemmingCLI", "LemmingProcess"],
            swiftSettings: swiftSettings
        ),
        // `swift run -c release lemming-bench`: the engine benchmarks recorded in BENCHMARKS.md.
        .executableTarget(
            name: "lemming-bench",
            dependencies: [
                "LemmingOrgView",
                "LemmingCore", "LemmingJSON", "LemmingProviders", "LemmingSearch", "LemmingServer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/LemmingBench",
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests

        .testTarget(
            name: "LemmingCoreTests",
            dependencies: [
                "LemmingOrgView",
                "LemmingCore", "LemmingJSON", "LemmingTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LemmingEngineTests",
            dependencies: ["LemmingOrgView", "LemmingCore", "LemmingJSON", "LemmingProviders", "LemmingTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LemmingProvidersTests",
            // `lemming` is built for its sandbox launcher.
            dependencies: [
                "lemming", "LemmingCore", "LemmingJSON", "LemmingProcess", "LemmingProviders", "LemmingTesting",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LemmingToolsTests",
            // `lemming` is built for its sandbox launcher.
            dependencies: [
                "lemming", "LemmingCore", "LemmingJSON", "LemmingProcess", "LemmingProviders", "LemmingTesting",
                "LemmingTools",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LemmingSearchTests",
            dependencies: [
                "LemmingCore", "LemmingJSON", "LemmingProviders", "LemmingSearch", "LemmingTesting", "LemmingTools",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LemmingA2ATests",
            dependencies: [
                "LemmingA2A", "LemmingCore", "LemmingJSON", "LemmingOrgView", "LemmingTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LemmingMCPTests",
            dependencies: [
                "LemmingCore", "LemmingJSON", "LemmingMCP", "LemmingOrgView", "LemmingProcess", "LemmingSearch",
                "LemmingTesting", .product(name: "MCP", package: "swift-sdk"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LemmingArchiveTests",
            dependencies: [
                "LemmingArchive", "LemmingCore", "LemmingJSON", "LemmingTesting",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LemmingServerTests",
            dependencies: [
                "LemmingDashboard",
                "LemmingSearch",
                "LemmingOrgView",
                "LemmingA2A", "LemmingCore", "LemmingJSON", "LemmingProviders", "LemmingServer", "LemmingTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LemmingCLITests",
            dependencies: [
                "LemmingOrgView",
                "lemming", "LemmingArchive", "LemmingCLI", "LemmingCore", "LemmingJSON", "LemmingSearch",
                "LemmingTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
