import Foundation
import LemmingCore

/// The sandbox launcher of the tests: the `lemming` binary this build made (tests run inside the
/// test binary, which is not a launcher).
public enum TestSandbox {
    /// `<build folder>/lemming`, beside the test binary, or `nil` when it was not built.
    public static let launcher: String? = {
        var candidates: [String] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var folder = (executable as NSString).deletingLastPathComponent
            // On Linux the test binary is `<build>/lemmingPackageTests.xctest`; elsewhere it is
            // inside a bundle a few levels down.
            for _ in 0..<4 {
                candidates.append(folder + "/lemming")
                folder = (folder as NSString).deletingLastPathComponent
            }
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// The name of the variable that names the launcher (`ProgramSandbox.launcherVariable`).
    public static let variable = "LEMMING_SANDBOX_LAUNCHER"

    /// `base` with the launcher named, so tools and providers made from it run programs sandboxed.
    public static func environment(
        _ base: [String: String] = ProcessInfo.processInfo.environment
    ) -> [String: String] {
        var environment = base
        if let launcher { environment[variable] = launcher }
        return environment
    }
}
