/// The redo log of one commit: every file operation of a tick (or of a control change), written and
/// synced before any of them is applied (DESIGN §5.6).
///
/// Operations are idempotent by construction (whole-file writes with deterministic names, appends
/// that first cut the file to its recorded length, moves that tolerate a missing source), so
/// re-applying a journal after a crash at any instant gives the same files as applying it once.
struct Journal: Sendable, Equatable {
    enum Operation: Sendable, Equatable {
        /// Replace the file with `content` (atomically).
        case write(path: String, content: [UInt8])
        /// Cut the file to `base` bytes, then append `content`.
        case append(path: String, base: Int, content: [UInt8])
        case delete(path: String)
        case move(from: String, to: String)
    }

    var tick: Int
    var label: String
    var operations: [Operation] = []

    static func json(_ operation: Operation) -> JSONValue {
        switch operation {
        case .write(let path, let content):
            return ["op": "write", "path": .string(path), "content": .string(String(decoding: content, as: UTF8.self))]
        case .append(let path, let base, let content):
            return [
                "op": "append", "path": .string(path), "base": .int(base),
                "content": .string(String(decoding: content, as: UTF8.self)),
            ]
        case .delete(let path):
            return ["op": "delete", "path": .string(path)]
        case .move(let from, let to):
            return ["op": "move", "from": .string(from), "to": .string(to)]
        }
    }

    /// The file content: valid JSON with one operation per line, so a journal is readable.
    var bytes: [UInt8] {
        var output: [UInt8] = []
        let writer = JSONWriter(style: .compact)
        output.append(contentsOf: "{\"format\":1,\"tick\":\(tick),\"label\":".utf8)
        writer.write(.string(label), into: &output)
        output.append(contentsOf: ",\"operations\":[\n".utf8)
        for (position, operation) in operations.enumerated() {
            writer.write(Self.json(operation), into: &output)
            output.append(contentsOf: (position + 1 < operations.count ? ",\n" : "\n").utf8)
        }
        output.append(contentsOf: "]}\n".utf8)
        return output
    }

    init(tick: Int, label: String) {
        self.tick = tick
        self.label = label
    }

    init(bytes: [UInt8], file: String) throws {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw LemmingError(.invalidFile, "journal is not valid JSON (\(error))", path: file)
        }
        guard let tick = value["tick"]?.intValue, let items = value["operations"]?.arrayValue else {
            throw LemmingError(.invalidFile, "journal has no tick or operations", path: file)
        }
        self.tick = tick
        label = value["label"]?.stringValue ?? ""
        for (position, item) in items.enumerated() {
            let field = "operations[\(position)]"
            guard let op = item["op"]?.stringValue else {
                throw LemmingError(.invalidFile, "operation without op", path: file, field: field)
            }
            func string(_ key: String) throws -> String {
                guard let text = item[key]?.stringValue, !text.isEmpty, !text.hasPrefix("/"), !text.contains("..")
                else {
                    throw LemmingError(.invalidFile, "missing or unsafe \(key)", path: file, field: field)
                }
                return text
            }
            switch op {
            case "write":
                operations.append(
                    .write(path: try string("path"), content: Array((item["content"]?.stringValue ?? "").utf8)))
            case "append":
                guard let base = item["base"]?.intValue, base >= 0 else {
                    throw LemmingError(.invalidFile, "append without base", path: file, field: field)
                }
                operations.append(
                    .append(
                        path: try string("path"), base: base, content: Array((item["content"]?.stringValue ?? "").utf8))
                )
            case "delete":
                operations.append(.delete(path: try string("path")))
            case "move":
                operations.append(.move(from: try string("from"), to: try string("to")))
            default:
                throw LemmingError(.invalidFile, "unknown operation '\(op)'", path: file, field: field)
            }
        }
    }

    /// Applies every operation, creating folders as needed.
    func apply(root: String, afterEach: ((Int) throws -> Void)? = nil) throws {
        for (number, operation) in operations.enumerated() {
            switch operation {
            case .write(let path, let content):
                try withParent(root + "/" + path) { try FileSystem.writeAtomically(content, to: $0) }
            case .append(let path, let base, let content):
                try withParent(root + "/" + path) { try FileSystem.append(content, to: $0, truncatingTo: base) }
            case .delete(let path):
                try FileSystem.remove(root + "/" + path)
            case .move(let from, let to):
                let source = root + "/" + from
                if FileSystem.exists(source) {
                    let destination = root + "/" + to
                    try FileSystem.makeDirectory(FileSystem.parentDirectory(of: destination))
                    try FileSystem.move(source, to: destination)
                }
            }
            try afterEach?(number)
        }
    }

    private func withParent(_ path: String, _ body: (String) throws -> Void) throws {
        do {
            try body(path)
        } catch let error as LemmingError where error.code == .io {
            let parent = FileSystem.parentDirectory(of: path)
            guard !FileSystem.exists(parent) else { throw error }
            try FileSystem.makeDirectory(parent)
            try body(path)
        }
    }
}
