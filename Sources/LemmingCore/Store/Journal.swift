import Foundation
import LemmingJSON
import Synchronization

/// One record of the write-ahead journal: every file operation of one commit (a tick, or control
/// commands applied between ticks), appended to `state/journal/journal.log` and synced before any
/// of them is applied (DESIGN §5.6).
///
/// Operations are idempotent by construction (new files with deterministic names, whole-content
/// rewrites, appends that first cut the file to its recorded length, moves that tolerate a missing
/// source), so re-applying the records in order after a crash at any instant gives the same files
/// as applying them once.
///
/// A record is a header line, then the operations, each a JSON line followed by its raw content:
///
///     LMJ1 <tick> <label> <operations> <body bytes> <checksum>
///     {"op":"create","path":"agents/a/outbox/00000001-a-01.json","length":312}
///     <312 bytes>
///
/// Content is copied as is (no escaping); the checksum detects a record torn by a crash.
struct Journal: Sendable, Equatable {
    enum Operation: Sendable, Equatable {
        /// Create a new file atomically (temporary file, then rename): entries.
        case create(path: String, content: [UInt8])
        /// Rewrite a file's content in place (no new inode): memory and state files.
        case replace(path: String, content: [UInt8])
        /// Cut the file to `base` bytes, then append `content`.
        case append(path: String, base: Int, content: [UInt8])
        case delete(path: String)
        case move(from: String, to: String)

        var path: String {
            switch self {
            case .create(let path, _), .replace(let path, _), .append(let path, _, _), .delete(let path): return path
            case .move(let from, _): return from
            }
        }

        var isMove: Bool {
            if case .move = self { return true }
            return false
        }
    }

    static let magic = "LMJ1"

    var tick: Int
    var label: String
    var operations: [Operation] = []

    init(tick: Int, label: String) {
        self.tick = tick
        self.label = label
    }

    // MARK: - Encoding

    /// The record as pieces, in order: its header line, then each operation's header line, its
    /// content and a newline. The contents are the operations' own arrays, not copies, so a record
    /// of 10,000 files holds their bytes once (``FileSystem/appendDurably(_:to:)`` writes the
    /// pieces a buffer at a time).
    var pieces: [[UInt8]] {
        var body: [[UInt8]] = []
        body.reserveCapacity(operations.count * 3 + 1)
        let newline: [UInt8] = [0x0A]
        for operation in operations {
            // The header's compact JSON, written directly: {"op":"create","path":"…","length":312}
            var header: [UInt8] = []
            header.reserveCapacity(128)
            var content: [UInt8]?
            switch operation {
            case .create(let path, let bytes):
                Self.header(&header, op: "create", ("path", path))
                Self.member(&header, "length", bytes.count)
                content = bytes
            case .replace(let path, let bytes):
                Self.header(&header, op: "replace", ("path", path))
                Self.member(&header, "length", bytes.count)
                content = bytes
            case .append(let path, let base, let bytes):
                Self.header(&header, op: "append", ("path", path))
                Self.member(&header, "base", base)
                Self.member(&header, "length", bytes.count)
                content = bytes
            case .delete(let path):
                Self.header(&header, op: "delete", ("path", path))
            case .move(let from, let to):
                Self.header(&header, op: "move", ("from", from), ("to", to))
            }
            header.append(contentsOf: "}\n".utf8)
            body.append(header)
            if let content {
                body.append(content)
                body.append(newline)
            }
        }
        var checksum = Checksum()
        var length = 0
        for piece in body {
            checksum.add(piece)
            length += piece.count
        }
        let safeLabel = label.isEmpty ? "-" : String(label.map { $0 == " " || $0 == "\n" ? "_" : $0 })
        let header = Array(
            "\(Self.magic) \(tick) \(safeLabel) \(operations.count) \(length) \(checksum.hex)\n".utf8)
        return [header] + body
    }

    /// Starts an operation's header: `{"op":"<op>"`, then each `"<key>":"<text>"`.
    private static func header(_ output: inout [UInt8], op: String, _ members: (String, String)...) {
        output.append(contentsOf: #"{"op":""#.utf8)
        output.append(contentsOf: op.utf8)
        output.append(0x22)
        for (key, text) in members {
            output.append(contentsOf: ",\"\(key)\":".utf8)
            JSONWriter.writeString(text, into: &output)
        }
    }

    /// Adds `,"<key>":<number>` to an operation's header.
    private static func member(_ output: inout [UInt8], _ key: String, _ number: Int) {
        output.append(contentsOf: ",\"\(key)\":\(number)".utf8)
    }

    /// The record's bytes (``pieces`` joined).
    var record: [UInt8] { Array(pieces.joined()) }

    /// A 64-bit checksum of `bytes` (FNV-1a over 8-byte words), as 16 hex digits.
    static func checksum(_ bytes: [UInt8]) -> String {
        var checksum = Checksum()
        checksum.add(bytes)
        return checksum.hex
    }

    /// The record's checksum, fed a piece at a time: FNV-1a over the little-endian 8-byte words of
    /// the bytes (counted from their start, across pieces), then over the last bytes one by one.
    struct Checksum {
        private var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        /// Bytes of a word not complete yet, lowest first, and how many.
        private var carry: UInt64 = 0
        private var carried = 0

        mutating func add(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while carried > 0, offset < raw.count {
                    carry |= UInt64(raw[offset]) << (8 * UInt64(carried))
                    carried += 1
                    offset += 1
                    if carried == 8 {
                        mix(carry)
                        carry = 0
                        carried = 0
                    }
                }
                while offset + 8 <= raw.count {
                    mix(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                    offset += 8
                }
                while offset < raw.count {
                    carry |= UInt64(raw[offset]) << (8 * UInt64(carried))
                    carried += 1
                    offset += 1
                }
            }
        }

        private mutating func mix(_ word: UInt64) {
            hash = (hash ^ word) &* 0x0000_0100_0000_01B3
            hash ^= hash >> 29
        }

        /// The checksum as 16 hex digits.
        var hex: String {
            var hash = self.hash
            for index in 0..<carried {
                hash = (hash ^ ((carry >> (8 * UInt64(index))) & 0xFF)) &* 0x0000_0100_0000_01B3
            }
            let digits = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
    }

    // MARK: - Decoding

    /// The complete records of a journal file, in order.
    ///
    /// Reading stops at the first record that is incomplete or whose checksum does not match: a
    /// crash interrupted its write, so none of its operations was applied.
    ///
    /// - Returns: the records, and how many bytes of the file they occupy.
    /// - Throws: ``LemmingError`` when a record is intact but holds an unsafe path or an unknown
    ///   operation (the file was edited by hand): better refuse than apply it.
    static func records(in bytes: [UInt8], file: String) throws -> (records: [Journal], length: Int) {
        var records: [Journal] = []
        var position = 0
        while position < bytes.count {
            guard let newline = bytes[position...].firstIndex(of: 0x0A) else { break }
            let header = String(decoding: bytes[position..<newline], as: UTF8.self).split(separator: " ")
            guard header.count == 6, header[0] == Self.magic, let tick = Int(header[1]), let count = Int(header[3]),
                let length = Int(header[4]), length >= 0, newline + 1 + length <= bytes.count
            else { break }
            let body = Array(bytes[(newline + 1)..<(newline + 1 + length)])
            guard checksum(body) == header[5] else { break }
            var journal = Journal(tick: tick, label: String(header[2]))
            journal.operations = try parseOperations(body, count: count, file: file)
            records.append(journal)
            position = newline + 1 + length
        }
        return (records, position)
    }

    private static func parseOperations(_ body: [UInt8], count: Int, file: String) throws -> [Operation] {
        var operations: [Operation] = []
        var position = 0
        func invalid(_ message: String) -> LemmingError {
            LemmingError(.invalidFile, message, path: file, field: "operations[\(operations.count)]")
        }
        while position < body.count {
            guard let newline = body[position...].firstIndex(of: 0x0A),
                let header = try? JSONValue.parse(Array(body[position..<newline])), let op = header["op"]?.stringValue
            else { throw invalid("unreadable operation header") }
            position = newline + 1
            func path(_ key: String) throws -> String {
                guard let text = header[key]?.stringValue, isSafe(text) else {
                    throw invalid("missing or unsafe \(key)")
                }
                return text
            }
            func content() throws -> [UInt8] {
                guard let length = header["length"]?.intValue, length >= 0, position + length < body.count,
                    body[position + length] == 0x0A
                else { throw invalid("content length does not match") }
                defer { position += length + 1 }
                return Array(body[position..<(position + length)])
            }
            switch op {
            case "create": operations.append(.create(path: try path("path"), content: try content()))
            case "replace": operations.append(.replace(path: try path("path"), content: try content()))
            case "append":
                guard let base = header["base"]?.intValue, base >= 0 else { throw invalid("append without base") }
                operations.append(.append(path: try path("path"), base: base, content: try content()))
            case "delete": operations.append(.delete(path: try path("path")))
            case "move": operations.append(.move(from: try path("from"), to: try path("to")))
            default: throw invalid("unknown operation '\(op)'")
            }
        }
        guard operations.count == count else {
            throw LemmingError(
                .invalidFile, "record announces \(count) operations, holds \(operations.count)", path: file)
        }
        return operations
    }

    /// A path relative to the org that stays inside it.
    static func isSafe(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/").contains("..")
    }

    // MARK: - Applying

    /// Applies every operation, creating folders as needed.
    ///
    /// - Parameters:
    ///   - recovering: replaying after a crash: appends first cut their file to its recorded length
    ///     (a first application appends directly; the engine knows the length is right).
    ///   - parallel: split large records over two threads (not when the caller already runs
    ///     beside other work).
    ///   - afterEach: called after each operation with its index (a test hook).
    func apply(
        root: String, recovering: Bool = true, parallel: Bool = true, afterEach: ((Int) throws -> Void)? = nil
    ) throws {
        if parallel, afterEach == nil, operations.count >= 64, !operations.contains(where: \.isMove) {
            try applyInParallel(root: root, recovering: recovering)
            return
        }
        for (number, operation) in operations.enumerated() {
            try apply(operation, root: root, recovering: recovering)
            try afterEach?(number)
        }
    }

    /// Applies the operations on two threads, split by path so that operations on one file keep
    /// their order. File creation is mostly kernel time, which the second core overlaps.
    private func applyInParallel(root: String, recovering: Bool) throws {
        var split: [[Operation]] = [[], []]
        for operation in operations {
            split[Int(truncatingIfNeeded: UInt(bitPattern: operation.path.hashValue) % 2)].append(operation)
        }
        let halves = split
        let failures = Mutex<[any Error]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            do {
                for operation in halves[half] { try apply(operation, root: root, recovering: recovering) }
            } catch {
                failures.withLock { $0.append(error) }
            }
        }
        if let failure = failures.withLock({ $0.first }) { throw failure }
    }

    private func apply(_ operation: Operation, root: String, recovering: Bool) throws {
        switch operation {
        case .create(let path, let content):
            try withParent(root + "/" + path) { try FileSystem.writeAtomically(content, to: $0) }
        case .replace(let path, let content):
            try withParent(root + "/" + path) { try FileSystem.overwrite(content, at: $0) }
        case .append(let path, let base, let content):
            try withParent(root + "/" + path) {
                try FileSystem.append(content, to: $0, truncatingTo: recovering ? base : nil)
            }
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
