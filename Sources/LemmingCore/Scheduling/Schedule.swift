/// When an agent fires (DESIGN §2.3).
///
/// Agent A fires at tick `t` iff `t mod N == P mod N` (mathematical modulo), with
/// `N = runEveryNTicks ≥ 1` and `P = phaseOffset`. Agents firing in the same tick are ordered by
/// `(firePoint, name)`, where `firePoint = 0` if `N == 1`, else `((-(P mod N)) mod N) / N`.
public struct Schedule: Sendable, Hashable {
    /// `N`: the agent fires every `N` ticks (`schedule.run_every_n_ticks`, ≥ 1).
    public var runEveryNTicks: Int
    /// `P`: which tick of each `N` it fires at (`schedule.phase_offset`, any integer; default 0).
    public var phaseOffset: Int
    /// When true, a firing with nothing new in the inbox skips the model call (`no_new_input`).
    public var skipWhenIdle: Bool

    /// A schedule firing every `runEveryNTicks` (≥ 1, not checked here: the validator checks it) at `phaseOffset`.
    public init(runEveryNTicks: Int, phaseOffset: Int = 0, skipWhenIdle: Bool = false) {
        precondition(runEveryNTicks >= 1, "run_every_n_ticks must be at least 1")
        self.runEveryNTicks = runEveryNTicks
        self.phaseOffset = phaseOffset
        self.skipWhenIdle = skipWhenIdle
    }

    /// Whether the agent fires at `tick`.
    public func fires(at tick: Int) -> Bool {
        Self.modulo(tick, runEveryNTicks) == Self.modulo(phaseOffset, runEveryNTicks)
    }

    /// The numerator of the fire point: `firePoint == firePointNumerator / runEveryNTicks`.
    public var firePointNumerator: Int {
        guard runEveryNTicks > 1 else { return 0 }
        return Self.modulo(-Self.modulo(phaseOffset, runEveryNTicks), runEveryNTicks)
    }

    /// The fire point in `[0, 1)`, the first key of the firing order.
    public var firePoint: Double {
        Double(firePointNumerator) / Double(runEveryNTicks)
    }

    /// The first tick `≥ tick` at which the agent fires.
    public func nextFireTick(from tick: Int) -> Int {
        let wanted = Self.modulo(phaseOffset, runEveryNTicks)
        let current = Self.modulo(tick, runEveryNTicks)
        return tick + Self.modulo(wanted - current, runEveryNTicks)
    }

    /// Mathematical modulo: the result is in `[0, divisor)` for any sign of `value`.
    public static func modulo(_ value: Int, _ divisor: Int) -> Int {
        let remainder = value % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }

    /// Whether `(lhs, lhsName)` fires before `(rhs, rhsName)`: by fire point, compared exactly as
    /// fractions, then by name in code-point order.
    public static func firesBefore(_ lhs: Schedule, _ lhsName: String, _ rhs: Schedule, _ rhsName: String) -> Bool {
        let left = lhs.firePointNumerator.multipliedFullWidth(by: rhs.runEveryNTicks)
        let right = rhs.firePointNumerator.multipliedFullWidth(by: lhs.runEveryNTicks)
        if left.high != right.high { return left.high < right.high }
        if left.low != right.low { return left.low < right.low }
        return Names.precedes(lhsName, rhsName)
    }
}
