import ServiceLifecycle

/// Runs an engine's ticks as a `Service`: back to back, or one per period, until the plan is
/// done, `max_ticks` is reached, or a graceful shutdown is requested.
///
/// On graceful shutdown (SIGINT/SIGTERM under a `ServiceGroup`) the tick in progress finishes and
/// commits; on cancellation it is rolled back (nothing of it is committed) and runs again later.
public struct EngineService: Service {
    /// How long to run.
    public struct Plan: Sendable {
        /// Ticks to run (paused ticks excluded); `nil` runs until `max_ticks` or shutdown.
        public var ticks: Int?
        /// Stop after a tick that wrote nothing when no agent has anything new to read.
        public var untilIdle: Bool
        /// Start ticks this far apart; `nil` runs them back to back.
        public var period: Duration?
        /// Wait for `resume` while the engine is paused, instead of stopping.
        public var waitsWhilePaused: Bool

        /// A plan; by default ticks run back to back until `max_ticks` or shutdown, and a paused engine ends the run.
        public init(ticks: Int? = nil, untilIdle: Bool = false, period: Duration? = nil, waitsWhilePaused: Bool = false)
        {
            self.ticks = ticks
            self.untilIdle = untilIdle
            self.period = period
            self.waitsWhilePaused = waitsWhilePaused
        }
    }

    /// Why a run ended.
    public enum Ending: String, Sendable {
        /// It ran the plan's ``Plan/ticks``.
        case ranAllTicks = "ran_all_ticks"
        /// A tick wrote nothing and no agent had anything new to read (``Plan/untilIdle``).
        case idle
        /// The org reached `max_ticks` of `lemming.json`.
        case maxTicks = "max_ticks"
        /// The engine was paused, and the plan does not wait while paused.
        case paused
        /// A graceful shutdown or a cancellation was requested.
        case shutdown
    }

    /// The engine whose ticks it runs (the caller opens and closes it).
    public let engine: Engine
    /// How long it runs.
    public let plan: Plan
    /// Measures periods and waits them out (a test clock in tests).
    private let clock: any Clock<Duration>
    private let onTick: @Sendable (TickReport) async -> Void
    private let onEnd: @Sendable (Ending, Int) async -> Void

    /// - Parameters:
    ///   - engine: the open engine whose ticks it runs.
    ///   - plan: how long it runs.
    ///   - onTick: called after every tick with its report.
    ///   - onEnd: called once with why the run ended and how many ticks ran.
    ///   - clock: the clock periods are measured and waited on.
    public init(
        engine: Engine,
        plan: Plan,
        clock: any Clock<Duration> = ContinuousClock(),
        onTick: @escaping @Sendable (TickReport) async -> Void = { _ in },
        onEnd: @escaping @Sendable (Ending, Int) async -> Void = { _, _ in }
    ) {
        self.engine = engine
        self.plan = plan
        self.clock = clock
        self.onTick = onTick
        self.onEnd = onEnd
    }

    /// Runs ticks as the plan says, then flushes the engine's files and calls `onEnd`.
    ///
    /// - Throws: what ``Engine/runTick()`` or ``Engine/flush()`` threw; the engine stays open.
    public func run() async throws {
        let ending = try await runTicks(on: clock)
        try await engine.flush()
        await onEnd(ending.0, ending.1)
    }

    private func runTicks<C: Clock>(on clock: C) async throws -> (Ending, Int) where C.Duration == Duration {
        var ran = 0
        while true {
            if Task.isShuttingDownGracefully || Task.isCancelled { return (.shutdown, ran) }
            if let ticks = plan.ticks, ran >= ticks { return (.ranAllTicks, ran) }
            if await engine.reachedMaxTicks { return (.maxTicks, ran) }
            let started = clock.now
            let report = try await engine.runTick()
            await onTick(report)
            if report.wasPaused {
                guard plan.waitsWhilePaused else { return (.paused, ran) }
            } else {
                ran += 1
                if plan.untilIdle, report.entriesWritten == 0, !(await engine.hasPendingInput()) {
                    return (.idle, ran)
                }
            }
            let period = plan.period ?? (report.wasPaused ? .seconds(1) : nil)
            if let period {
                let next = started.advanced(by: period)
                if clock.now < next {
                    try? await cancelWhenGracefulShutdown { try await clock.sleep(until: next, tolerance: nil) }
                }
            }
        }
    }
}
