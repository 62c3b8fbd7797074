import Testing

@testable import LemmingCore

@Test(arguments: [
    (7, 3, 1), (-7, 3, 2), (-1, 4, 3), (0, 5, 0), (-5, 5, 0), (5, 1, 0), (-6, 1, 0),
    (Int.min, 3, 1), (Int.max, 3, 1), (Int.min, 2, 0), (Int.max, 2, 1), (Int.min, Int.max, Int.max - 1),
    (Int.max, Int.max, 0), (Int.min, 1, 0),
])
func moduloIsMathematical(value: Int, divisor: Int, expected: Int) {
    #expect(Schedule.modulo(value, divisor) == expected)
}

@Test func firesExactlyWhenTickMinusOffsetIsAMultipleOfN() {
    for every in 1...7 {
        for offset in -15...15 {
            let schedule = Schedule(runEveryNTicks: every, phaseOffset: offset)
            for tick in -20...40 {
                // Independent reference: (tick - offset) is divisible by N.
                #expect(schedule.fires(at: tick) == ((tick - offset) % every == 0), "N=\(every) P=\(offset) t=\(tick)")
            }
        }
    }
}

@Test(arguments: [
    (1, 0, [1, 2, 3, 4, 5, 6]),
    (1, -99, [1, 2, 3, 4, 5, 6]),
    (2, 0, [2, 4, 6]),
    (2, 1, [1, 3, 5]),
    (3, 0, [3, 6]),
    (3, 1, [1, 4]),
    (3, -1, [2, 5]),
    (3, 5, [2, 5]),
    (4, -4, [4]),
    (7, 100, [2]),
])
func firingTicksOfSmallSchedules(every: Int, offset: Int, expected: [Int]) {
    let schedule = Schedule(runEveryNTicks: every, phaseOffset: offset)
    #expect((1...6).filter(schedule.fires(at:)) == expected)
}

@Test func extremeOffsetsAndTicksDoNotTrap() {
    let schedules = [
        Schedule(runEveryNTicks: 3, phaseOffset: Int.min), Schedule(runEveryNTicks: 3, phaseOffset: Int.max),
        Schedule(runEveryNTicks: Int.max, phaseOffset: Int.min), Schedule(runEveryNTicks: 1, phaseOffset: Int.min),
    ]
    #expect(schedules[0].fires(at: 1) && schedules[0].fires(at: 4) && !schedules[0].fires(at: 3))
    #expect(schedules[1].fires(at: 1) && !schedules[1].fires(at: 2))
    #expect(schedules[2].fires(at: Int.max - 1) && !schedules[2].fires(at: 1))
    #expect(schedules[3].fires(at: Int.min) && schedules[3].fires(at: Int.max))
    #expect(schedules[0].firePointNumerator == 2)
    #expect(schedules[2].firePointNumerator == 1)
    #expect(schedules[3].firePoint == 0)
    for schedule in schedules {
        #expect(schedule.firePoint >= 0 && schedule.firePoint < 1)
        _ = schedule.fires(at: Int.min)
        _ = schedule.fires(at: Int.max)
    }
}

@Test(arguments: [
    (4, 0, 0.0), (4, 1, 0.75), (4, 2, 0.5), (4, 3, 0.25), (4, -1, 0.25), (4, 5, 0.75), (4, -4, 0.0),
    (1, 0, 0.0), (1, 17, 0.0), (1, -3, 0.0), (2, 1, 0.5), (3, 1, 2.0 / 3.0), (3, 2, 1.0 / 3.0), (10, 9, 0.1),
])
func firePointFollowsTheFormula(every: Int, offset: Int, expected: Double) {
    #expect(Schedule(runEveryNTicks: every, phaseOffset: offset).firePoint == expected)
}

private func firingOrder(_ agents: [(String, Schedule)]) -> [String] {
    agents.sorted { Schedule.firesBefore($0.1, $0.0, $1.1, $1.0) }.map(\.0)
}

@Test func firingOrderIsByFirePointThenName() {
    let agents: [(String, Schedule)] = [
        ("x", Schedule(runEveryNTicks: 4, phaseOffset: 1)),
        ("b", Schedule(runEveryNTicks: 1)),
        ("z", Schedule(runEveryNTicks: 4, phaseOffset: 2)),
        ("a", Schedule(runEveryNTicks: 1, phaseOffset: 5)),
        ("y", Schedule(runEveryNTicks: 2, phaseOffset: 1)),
        ("B", Schedule(runEveryNTicks: 1)),
        ("c", Schedule(runEveryNTicks: 4, phaseOffset: 3)),
    ]
    #expect(firingOrder(agents) == ["B", "a", "b", "c", "y", "z", "x"])
    #expect(firingOrder(agents.reversed()) == ["B", "a", "b", "c", "y", "z", "x"])
}

@Test func namesCompareByCodePointsNotLocale() {
    let schedule = Schedule(runEveryNTicks: 1)
    let names = ["b", "é", "a_", "B", "Z", "a", "ab", "a1", "z"]
    let sorted = names.sorted { Schedule.firesBefore(schedule, $0, schedule, $1) }
    #expect(sorted == ["B", "Z", "a", "a1", "a_", "ab", "b", "z", "é"])
}

@Test func equalFractionsTieAndFallBackToTheName() {
    let third = Schedule(runEveryNTicks: 3, phaseOffset: 2)
    let twoSixths = Schedule(runEveryNTicks: 6, phaseOffset: 4)
    #expect(third.firePointNumerator * 6 == twoSixths.firePointNumerator * 3)
    #expect(Schedule.firesBefore(third, "a", twoSixths, "b"))
    #expect(Schedule.firesBefore(twoSixths, "a", third, "b"))
    #expect(!Schedule.firesBefore(third, "a", third, "a"))
}

@Test func firePointsAreComparedExactlyEvenWhenDoublesCannotTellThemApart() {
    // (M-1)/M > (M-2)/(M-1) for M = Int.max, but both round to 1.0 as doubles.
    let larger = Schedule(runEveryNTicks: Int.max, phaseOffset: 1)
    let smaller = Schedule(runEveryNTicks: Int.max - 1, phaseOffset: 1)
    #expect(larger.firePointNumerator == Int.max - 1)
    #expect(smaller.firePointNumerator == Int.max - 2)
    #expect(larger.firePoint == smaller.firePoint)
    #expect(Schedule.firesBefore(smaller, "z", larger, "a"))
    #expect(!Schedule.firesBefore(larger, "a", smaller, "z"))
}

@Test(arguments: [
    (4, 1, 1, 1), (4, 1, 2, 5), (4, 1, 5, 5), (4, 1, 0, 1), (4, 1, -2, 1), (1, 0, 17, 17), (3, -1, 1, 2),
    (3, -1, 3, 5), (5, 0, 1, 5), (5, 0, 10, 10), (3, Int.min, 2, 4),
])
func nextFireTickIsTheFirstFiringTickAtOrAfter(every: Int, offset: Int, from: Int, expected: Int) {
    #expect(Schedule(runEveryNTicks: every, phaseOffset: offset).nextFireTick(from: from) == expected)
}

@Test func nextFireTickAgreesWithFires() {
    for every in 1...6 {
        for offset in -8...8 {
            let schedule = Schedule(runEveryNTicks: every, phaseOffset: offset)
            for tick in -10...20 {
                let next = schedule.nextFireTick(from: tick)
                #expect(next >= tick && next < tick + every)
                #expect(schedule.fires(at: next))
                #expect((tick..<next).allSatisfy { !schedule.fires(at: $0) })
            }
        }
    }
}
