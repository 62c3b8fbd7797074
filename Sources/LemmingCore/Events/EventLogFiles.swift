import LemmingJSON

/// `logs/engine.jsonl` and its rotated predecessors `engine.1.jsonl` (newest) … `engine.N.jsonl`.
public struct EventLogFiles: Sendable {
    /// The org whose logs are read.
    public let paths: OrgPaths

    /// The engine logs of the org at `paths`.
    public init(paths: OrgPaths) {
        self.paths = paths
    }

    /// The file of rotation `number`: 0 is the current log, 1 the newest rotated one.
    public func path(number: Int) -> String {
        number == 0 ? paths.engineLog : String(paths.engineLog.dropLast(".jsonl".count)) + ".\(number).jsonl"
    }

    /// Events with `after < seq < before`, oldest first, from every log file.
    public func events(after: Int, before: Int) -> [EngineEvent] {
        var files: [String] = []
        var number = 0
        while FileSystem.exists(path(number: number)) {
            files.append(path(number: number))
            number += 1
        }
        var events: [EngineEvent] = []
        for file in files.reversed() {
            guard let bytes = try? FileSystem.readIfPresent(file) else { continue }
            events.append(contentsOf: Self.parse(bytes).filter { $0.sequence > after && $0.sequence < before })
        }
        var seen = Set<Int>()
        return events.sorted { $0.sequence < $1.sequence }.filter { seen.insert($0.sequence).inserted }
    }

    /// The events of complete JSON lines; other lines are skipped.
    public static func parse(_ bytes: [UInt8]) -> [EngineEvent] {
        bytes.split(separator: 0x0A).compactMap { line in
            (try? JSONValue.parse(Array(line))).flatMap(EngineEvent.init(json:))
        }
    }
}
