import LemmingJSON
import Synchronization

/// Writes engine events to `logs/engine.jsonl`, one JSON object per line, rotated by size.
///
/// Lines are buffered and written at each ``flush()`` (the end of every tick). When the file
/// passes ``maximumBytes`` it is renamed to `engine.1.jsonl` (older ones shift up to
/// ``keptFiles``) and a new file begins. A partial last line left by a crash is cut on open.
public final class EventLog: EventSink {
    /// The current log file, normally `logs/engine.jsonl` of the org.
    public let path: String
    /// The size in bytes past which the file is rotated at the next flush (default 16 MiB).
    public let maximumBytes: Int
    /// How many rotated files are kept (`engine.1.jsonl` … `engine.<keptFiles>.jsonl`; default 5).
    public let keptFiles: Int
    private let state: Mutex<State>

    private struct State {
        var buffer: [UInt8] = []
        var size: Int
        var failed = false
    }

    /// Opens (or creates) the log at `path`, creating its directory and cutting a partial last line.
    ///
    /// - Parameters:
    ///   - path: the log file; rotated files go beside it.
    ///   - maximumBytes: rotate when a flush would pass this size, in bytes.
    ///   - keptFiles: rotated files kept; older ones are deleted.
    /// - Throws: ``LemmingError`` (`.io`) when the directory cannot be made or the file cut.
    public init(path: String, maximumBytes: Int = 16 * 1024 * 1024, keptFiles: Int = 5) throws {
        self.path = path
        self.maximumBytes = maximumBytes
        self.keptFiles = keptFiles
        try FileSystem.makeDirectory(FileSystem.parentDirectory(of: path))
        var size = FileSystem.info(path)?.size ?? 0
        if size > 0, let bytes = try FileSystem.readIfPresent(path), bytes.last != 0x0A {
            let keep = (bytes.lastIndex(of: 0x0A) ?? -1) + 1
            try FileSystem.append([], to: path, truncatingTo: keep)
            size = keep
        }
        state = Mutex(State(size: size))
    }

    public func receive(_ event: EngineEvent) {
        state.withLock { state in
            JSONWriter(style: .compact).write(event.json, into: &state.buffer)
            state.buffer.append(0x0A)
        }
    }

    public func flush() {
        state.withLock { state in
            guard !state.buffer.isEmpty else { return }
            defer { state.buffer.removeAll(keepingCapacity: true) }
            do {
                if state.size > 0, state.size + state.buffer.count > maximumBytes {
                    try rotate()
                    state.size = 0
                }
                try FileSystem.append(state.buffer, to: path)
                state.size += state.buffer.count
                state.failed = false
            } catch {
                // Logging must never stop the engine; the next flush tries again.
                state.failed = true
            }
        }
    }

    private func rotate() throws {
        let base = String(path.dropLast(".jsonl".count))
        try FileSystem.remove("\(base).\(keptFiles).jsonl")
        if keptFiles > 1 {
            for number in stride(from: keptFiles - 1, through: 1, by: -1) {
                try FileSystem.move("\(base).\(number).jsonl", to: "\(base).\(number + 1).jsonl")
            }
        }
        try FileSystem.move(path, to: "\(base).1.jsonl")
    }
}

/// Keeps events in memory; for tests.
public final class EventRecorder: EventSink {
    private let storage = Mutex<[EngineEvent]>([])

    /// An empty recorder.
    public init() {}

    public func receive(_ event: EngineEvent) {
        storage.withLock { $0.append(event) }
    }

    /// Every committed event received so far, in order.
    public var events: [EngineEvent] { storage.withLock { $0 } }

    /// The committed events of `kind`, in order.
    public func events(of kind: EngineEvent.Kind) -> [EngineEvent] {
        events.filter { $0.kind == kind }
    }
}
