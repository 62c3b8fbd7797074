import Logging

extension Engine {
    /// How an engine is built: the org, the clock, and the pieces the composition root plugs in.
    public struct Configuration: Sendable {
        /// The org directory: the folder holding `lemming.json` (absolute, or relative to the
        /// current directory).
        public var root: String
        /// Source of every timestamp; fix it for reproducible runs.
        public var clock: any WallClock
        /// Makes the model providers of the registry's entries.
        public var providers: any ModelProviderFactory
        /// Builds the org's tools from `lemming.json`.
        public var tools: any ToolFactory
        /// Extra consumers of engine events (the engine log is built in).
        public var sinks: [any EventSink]
        /// Write events to `logs/engine.jsonl`.
        public var writesEngineLog: Bool
        /// Ticks of recent entries kept in memory; older ones are read from disk when needed.
        public var entryCacheTicks: Int
        /// Write each tick's files on another thread while the next tick runs (for ticks run back
        /// to back). Events and ``Engine/flush()`` wait for them; off, ``Engine/runTick()``
        /// returns once its files are written.
        public var writesFilesBehind: Bool
        /// Whether each commit is recorded in the state history (`state/history.jsonl`), which
        /// `fork`, `backup` and `replay` need. Off only to measure what it costs.
        public var recordsHistory = true
        /// Where the engine logs (constant messages, data in metadata; never prompts or secrets above trace level).
        /// Defaults to a logger that drops everything.
        public var logger: Logger

        /// A configuration for the org at `root` whose models are made by `providers`; the rest defaults to the system
        /// clock, no tools, the engine log on, 32 ticks of entries cached and files written before `runTick` returns.
        public init(
            root: String,
            providers: any ModelProviderFactory,
            clock: any WallClock = SystemWallClock(),
            tools: any ToolFactory = NoTools(),
            sinks: [any EventSink] = [],
            writesEngineLog: Bool = true,
            entryCacheTicks: Int = 32,
            writesFilesBehind: Bool = false,
            logger: Logger = Logger(label: "lemming.engine", factory: { _ in SwiftLogNoOpLogHandler() })
        ) {
            self.root = root
            self.providers = providers
            self.clock = clock
            self.tools = tools
            self.sinks = sinks
            self.writesEngineLog = writesEngineLog
            self.entryCacheTicks = entryCacheTicks
            self.writesFilesBehind = writesFilesBehind
            self.logger = logger
        }
    }
}
