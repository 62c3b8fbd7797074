import LemmingCore
import LemmingJSON

/// The lines of a cassette file, found by agent and tick.
///
/// A blank line is skipped. A last line without its newline that is not valid JSON is the torn
/// tail of a write a crash interrupted, and is ignored; any other line that cannot be read is an
/// error naming it.
public struct Cassette: Sendable, Equatable {
    /// Where a line belongs: one agent's call at one tick.
    public struct Key: Hashable, Sendable {
        public var agent: String
        public var tick: Int

        public init(agent: String, tick: Int) {
            self.agent = agent
            self.tick = tick
        }
    }

    /// Every line, in file order.
    public private(set) var lines: [CassetteLine] = []
    private var byKey: [Key: [Int]] = [:]

    public init(lines: [CassetteLine] = []) {
        for line in lines { append(line) }
    }

    /// Parses a file's bytes.
    ///
    /// - Parameter file: the name errors give (as the user wrote it).
    /// - Throws: ``LemmingError`` `.invalidFile` naming the line that is wrong.
    public init(bytes: [UInt8], file: String) throws {
        let split = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        for (index, line) in split.enumerated() {
            let isTornTail = index == split.count - 1 && bytes.last != 0x0A
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let value: JSONValue
            do {
                value = try JSONValue.parse(Array(line))
            } catch {
                if isTornTail { break }
                throw LemmingError(.invalidFile, "not valid JSON (\(error))", path: file, field: "line \(index + 1)")
            }
            do {
                append(try CassetteLine(json: value))
            } catch {
                throw LemmingError(.invalidFile, error.description, path: file, field: "line \(index + 1)")
            }
        }
    }

    /// The lines of `agent` at `tick`, in file order.
    public func lines(for key: Key) -> [CassetteLine] {
        byKey[key]?.map { lines[$0] } ?? []
    }

    public var isEmpty: Bool { lines.isEmpty }

    mutating func append(_ line: CassetteLine) {
        byKey[Key(agent: line.agent, tick: line.tick), default: []].append(lines.count)
        lines.append(line)
    }
}
