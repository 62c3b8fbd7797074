import Foundation
import LemmingCore

/// The pacing of one budget (one model at one endpoint), as a pure state machine: a sliding
/// window of the calls sent in the last minute, the limits in force, and what the server last
/// said about them. Time is a ``Timeline`` reading passed in; nothing here waits.
///
/// A call may go at the earliest instant `t` at which, counting it, no window of one minute
/// holds more than `requestsPerMinute` calls or more than `tokensPerMinute` tokens
/// (``earliestStart(tokens:now:)``), and not before the server's `remaining: 0` has reset
/// (``closedUntil``). A sliding window, rather than a token bucket, because it is the strictest
/// of the ways providers count (fixed windows, continuously refilled buckets): whatever the
/// provider does, calls paced by it never exceed a limit the provider states per minute.
///
/// It deliberately does not queue: calls that wait check again when they wake, so a clock that
/// jumps (a suspended laptop, a test clock) can never let more through than the window allows.
public struct RateWindow: Sendable {
    /// Limits per minute; `nil`: none.
    public struct Limits: Sendable, Equatable {
        public var requestsPerMinute: Int?
        public var tokensPerMinute: Int?

        public init(requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil) {
            self.requestsPerMinute = requestsPerMinute
            self.tokensPerMinute = tokensPerMinute
        }

        public var isEmpty: Bool { requestsPerMinute == nil && tokensPerMinute == nil }

        /// The stricter of two limits, each side apart.
        public func tightened(by other: Limits) -> Limits {
            func lower(_ a: Int?, _ b: Int?) -> Int? { [a, b].compactMap { $0 }.min() }
            return Limits(
                requestsPerMinute: lower(requestsPerMinute, other.requestsPerMinute),
                tokensPerMinute: lower(tokensPerMinute, other.tokensPerMinute))
        }
    }

    /// One call sent: when, and the tokens it is counted for (estimated, then as reported).
    struct Send: Sendable, Equatable {
        var id: Int
        var at: Duration
        var tokens: Int
    }

    /// The length of the window.
    public static let window: Duration = .seconds(60)

    /// The limits set in `models.json`, by the entry that set them; the strictest applies.
    public private(set) var configured: [String: Limits] = [:]
    /// The limits the server stated in its last answer (`x-ratelimit-limit-*`,
    /// `anthropic-ratelimit-*-limit`).
    public private(set) var stated = Limits()
    /// The server said a limit is used up (`remaining: 0`): no call before this reading.
    public private(set) var closedUntil: Duration?
    /// The server's last report and the reading it came at.
    public private(set) var lastReport: (report: RateLimitReport, at: Duration)?
    /// Calls waiting for room now.
    public var waiting = 0
    /// Calls that had to wait, and how long they waited in all.
    public private(set) var waits = 0
    public private(set) var waited: Duration = .zero
    /// The calls of the last minute, oldest first, and their tokens in all.
    private(set) var sent: [Send] = []
    private(set) var sentTokens = 0
    private var nextID = 0

    public init() {}

    /// The limits in force: the strictest of every entry's and the server's.
    public var limits: Limits {
        configured.values.reduce(stated) { $0.tightened(by: $1) }
    }

    /// Sets the limits an entry of `models.json` gives (replacing what it gave before).
    public mutating func configure(_ limits: Limits, by entry: String) {
        configured[entry] = limits.isEmpty ? nil : limits
    }

    /// Forgets the calls that left the window by `now`.
    mutating func prune(now: Duration) {
        let gone = sent.prefix { $0.at + Self.window <= now }
        guard !gone.isEmpty else { return }
        sentTokens -= gone.reduce(0) { $0 + $1.tokens }
        sent.removeFirst(gone.count)
    }

    /// The earliest reading, `now` or later, at which a call counted for `tokens` may go.
    ///
    /// A call larger than `tokensPerMinute` alone is counted as the whole limit: it goes once the
    /// window is empty (the server will judge it).
    public func earliestStart(tokens: Int, now: Duration) -> Duration {
        var start = max(now, closedUntil ?? now)
        let limits = self.limits
        guard !limits.isEmpty else { return start }
        let requests = limits.requestsPerMinute ?? Int.max
        let tokenLimit = limits.tokensPerMinute ?? Int.max
        let cost = min(max(tokens, 0), tokenLimit)
        var index = 0
        var count = sent.count
        var sum = sentTokens
        while index < sent.count {
            let oldest = sent[index]
            let inWindow = oldest.at + Self.window > start
            if inWindow && count < requests && sum <= tokenLimit - cost { break }
            // Wait for the oldest call to leave the window.
            start = max(start, oldest.at + Self.window)
            count -= 1
            sum -= oldest.tokens
            index += 1
        }
        return start
    }

    /// Records a call sent at `now`, counted for `tokens`; returns its id for ``settle(_:tokens:)``.
    public mutating func record(tokens: Int, at now: Duration) -> Int {
        prune(now: now)
        nextID += 1
        let tokens = max(tokens, 0)
        // Sends are kept in order of time; a clock never runs back, but be safe.
        let position = sent.lastIndex { $0.at <= now }.map { $0 + 1 } ?? 0
        sent.insert(Send(id: nextID, at: now, tokens: tokens), at: position)
        sentTokens += tokens
        return nextID
    }

    /// Counts call `id` for `tokens` from now on (what the provider reported, in place of the
    /// estimate); a call already out of the window is not counted any more.
    public mutating func settle(_ id: Int, tokens: Int) {
        guard let index = sent.firstIndex(where: { $0.id == id }) else { return }
        let tokens = max(tokens, 0)
        sentTokens += tokens - sent[index].tokens
        sent[index].tokens = tokens
    }

    /// Moves call `id` to `now`, when it actually went (it waited for a place among the
    /// endpoint's requests in flight after it took its place in the window).
    public mutating func restamp(_ id: Int, at now: Duration) {
        guard let index = sent.firstIndex(where: { $0.id == id }), sent[index].at < now else { return }
        var send = sent.remove(at: index)
        send.at = now
        let position = sent.lastIndex { $0.at <= now }.map { $0 + 1 } ?? 0
        sent.insert(send, at: position)
    }

    /// Forgets call `id`: it was not sent after all.
    public mutating func cancel(_ id: Int) {
        guard let index = sent.firstIndex(where: { $0.id == id }) else { return }
        sentTokens -= sent[index].tokens
        sent.remove(at: index)
    }

    /// Notes that a call waited `duration` before it could go (or give up).
    public mutating func noteWait(_ duration: Duration) {
        waits += 1
        waited += max(duration, .zero)
    }

    /// Takes in what the server said in an answer received at `now`: the limits it states, and
    /// a limit used up (`remaining: 0`) closes the window until that limit resets.
    public mutating func observe(_ report: RateLimitReport, now: Duration) {
        guard !report.isEmpty else { return }
        lastReport = (report, now)
        let requests = report.requests?.limit
        let tokens = report.tokens?.limit
        if requests != nil || tokens != nil {
            stated = Limits(
                requestsPerMinute: requests ?? stated.requestsPerMinute,
                tokensPerMinute: tokens ?? stated.tokensPerMinute)
        }
        for limit in report.all where limit.remaining == 0 {
            guard let reset = limit.reset, reset > .zero else { continue }
            closedUntil = max(closedUntil ?? .zero, now + reset)
        }
    }

    /// The calls and tokens the window still allows at `now` (`nil` where there is no limit).
    public func remaining(now: Duration) -> (requests: Int?, tokens: Int?) {
        let recent = sent.filter { $0.at + Self.window > now }
        let limits = self.limits
        return (
            limits.requestsPerMinute.map { max($0 - recent.count, 0) },
            limits.tokensPerMinute.map { limit in max(limit - recent.reduce(0) { $0 + $1.tokens }, 0) }
        )
    }
}

extension RateWindow {
    /// The window as `lemming status` shows it, at `now` (a ``Timeline`` reading) whose wall-clock
    /// time is `wallNow`.
    public func budget(model: String, now: Duration, wallNow: Date) -> ProviderBudget {
        func wall(_ instant: Duration) -> String {
            Timestamp.format(wallNow.addingTimeInterval((instant - now) / .seconds(1)))
        }
        let configured = self.configured.values.reduce(Limits()) { $0.tightened(by: $1) }
        let limits = self.limits
        let remaining = remaining(now: now)
        var reported: [String: ProviderBudget.Reported] = [:]
        if let last = lastReport {
            for (name, limit) in last.report.named {
                reported[name] = ProviderBudget.Reported(
                    limit: limit.limit, remaining: limit.remaining, resetAt: limit.reset.map { wall(last.at + $0) })
            }
        }
        return ProviderBudget(
            model: model, requestsPerMinute: configured.requestsPerMinute, tokensPerMinute: configured.tokensPerMinute,
            requestLimit: limits.requestsPerMinute, tokenLimit: limits.tokensPerMinute,
            requestsRemaining: remaining.requests, tokensRemaining: remaining.tokens, waiting: waiting,
            closedUntil: closedUntil.flatMap { $0 > now ? wall($0) : nil }, waits: waits,
            waitedSeconds: (waited / .milliseconds(1)).rounded() / 1000, reported: reported,
            reportedAt: lastReport.map { wall($0.at) })
    }
}
