import Foundation
import LemmingCore
import LemmingProviders
import LemmingTools
import Logging

/// The composition root: builds an engine with this build's providers and tools.
enum EngineFactory {
    static func clock(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any WallClock {
        try FixedWallClock.fromEnvironment(environment) ?? SystemWallClock()
    }

    static func logger(environment: [String: String] = ProcessInfo.processInfo.environment) -> Logger {
        var logger = Logger(label: "lemming", factory: { label in StreamLogHandler.standardError(label: label) })
        logger.logLevel = environment["LEMMING_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }

    /// The built-in and custom tools, with the process's `PATH`.
    static func tools(environment: [String: String] = ProcessInfo.processInfo.environment) -> BuiltinToolFactory {
        BuiltinToolFactory(environment: environment)
    }

    /// - Parameter runsTicks: the engine will run ticks back to back (write each tick's files
    ///   while the next one runs).
    static func configuration(
        root: String, sinks: [any EventSink] = [], runsTicks: Bool = false
    ) throws -> Engine.Configuration {
        let environment = ProcessInfo.processInfo.environment
        return Engine.Configuration(
            root: root, providers: ProviderFactory(environment: environment),
            clock: try clock(environment: environment), tools: tools(environment: environment),
            sinks: sinks, writesFilesBehind: runsTicks, logger: logger(environment: environment))
    }

    static func open(root: String, sinks: [any EventSink] = [], runsTicks: Bool = false) async throws -> Engine {
        try await Engine.open(configuration(root: root, sinks: sinks, runsTicks: runsTicks))
    }
}
