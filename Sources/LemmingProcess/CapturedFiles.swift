import LemmingCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The stdin, stdout and stderr of one program run: unlinked temporary files (nothing is left on
/// disk, whatever happens), read back once the program has ended.
struct CapturedFiles: Sendable {
    struct Failure: Error {}

    /// stdin: the input bytes, or `/dev/null`.
    let input: Int32
    let output: Int32
    let error: Int32

    init(input bytes: [UInt8]?) throws {
        let input: Int32
        if let bytes {
            input = try FileSystem.unlinkedTemporaryFile(containing: bytes)
        } else {
            input = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard input >= 0 else { throw Failure() }
        }
        guard let output = try? FileSystem.unlinkedTemporaryFile(containing: []) else {
            Glibc.close(input)
            throw Failure()
        }
        guard let error = try? FileSystem.unlinkedTemporaryFile(containing: []) else {
            Glibc.close(input)
            Glibc.close(output)
            throw Failure()
        }
        self.input = input
        self.output = output
        self.error = error
    }

    func close() {
        for descriptor in [input, output, error] { _ = Glibc.close(descriptor) }
    }

    /// What the program wrote: the first `outputLimit` bytes of stdout, the last `errorLimit`
    /// bytes of stderr.
    func outcome(status: ProcessRunner.Outcome.Status, request: ProcessRunner.Request) -> ProcessRunner.Outcome {
        let outputSize = Self.size(output)
        let errorSize = request.combineErrorWithOutput ? 0 : Self.size(error)
        let errorStart = max(0, errorSize - request.errorLimit)
        return ProcessRunner.Outcome(
            status: status, output: Self.read(output, from: 0, count: min(outputSize, request.outputLimit)),
            error: Self.read(error, from: errorStart, count: errorSize - errorStart),
            isOutputTruncated: outputSize > request.outputLimit, outputByteCount: outputSize,
            isErrorTruncated: errorStart > 0)
    }

    private static func size(_ descriptor: Int32) -> Int {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return 0 }
        return Int(status.st_size)
    }

    private static func read(_ descriptor: Int32, from offset: Int, count: Int) -> [UInt8] {
        FileSystem.read(descriptor: descriptor, from: offset, count: count) ?? []
    }
}
