import ArgumentParser
import Foundation
import LemmingCore
import LemmingJSON

/// Writing to the terminal, and turning errors into one clear line and an exit code.
enum Terminal {
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func printJSON(_ value: JSONValue) {
        FileHandle.standardOutput.write(Data(JSONWriter(style: .pretty).bytes(value)))
    }

    /// Runs a command body; a ``LemmingError`` becomes `error: <message>` on stderr and exit code 1.
    static func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as LemmingError {
            printError("error: \(error)")
            throw ExitCode.failure
        } catch let error as ProviderError {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }

    static func credits(_ value: Double) -> String {
        let rounded = (value * 10_000).rounded() / 10_000
        return String(format: "%.4f", rounded)
    }
}
