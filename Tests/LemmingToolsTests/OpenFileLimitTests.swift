import Glibc
import LemmingProcess
import Testing

/// `lemming` raises its soft limit on open files at start (a socket per model call in flight).
@Suite struct OpenFileLimitTests {
    static let resource = __rlimit_resource_t(UInt32(RLIMIT_NOFILE.rawValue))

    @Test func theSoftLimitRisesToTheHardLimitWithinTheCapAndNeverFalls() throws {
        var before = rlimit()
        try #require(getrlimit(Self.resource, &before) == 0)
        // One below where it will be raised to, so that raising has something to do (lowering it
        // further could starve the tests running beside this one).
        let target = min(UInt64(before.rlim_max), 65_536)
        if UInt64(before.rlim_cur) >= target, target > 64 {
            var lowered = before
            lowered.rlim_cur = rlim_t(target - 1)
            try #require(setrlimit(Self.resource, &lowered) == 0)
            before = lowered
        }
        let raised = try #require(OpenFileLimit.raise(cap: 65_536))
        var after = rlimit()
        try #require(getrlimit(Self.resource, &after) == 0)
        #expect(UInt64(after.rlim_cur) == raised)
        #expect(after.rlim_max == before.rlim_max)
        #expect(raised == max(UInt64(before.rlim_cur), target))
        // A lower cap never lowers it.
        #expect(OpenFileLimit.raise(cap: 16) == raised)
    }
}
