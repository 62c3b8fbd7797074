import LemmingCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file operations of the file tools, on locations a ``Sandbox`` resolved.
///
/// Final path components are opened with `O_NOFOLLOW` (a symlink swapped in after resolution is
/// refused, not followed), reads never block on FIFOs or devices, and only regular files with a
/// single hard link are read or written.
enum SandboxFiles {
    /// What `read` returns.
    struct Slice: Sendable {
        var bytes: [UInt8]
        var fileSize: Int
        var isTruncated: Bool
    }

    /// One entry of a listing.
    struct Entry: Sendable {
        enum Kind: String, Sendable {
            case file
            case directory
            case link
            case other
        }

        var path: String
        var kind: Kind
        var size: Int
    }

    // MARK: - Reading

    static func read(_ location: Location, offset: Int, limit: Int) throws(ToolFailure) -> Slice {
        let descriptor = open(location.path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("read", location, errno) }
        defer { close(descriptor) }
        let status = try checkedStatus(descriptor, location)
        let size = Int(status.st_size)
        guard offset <= size else {
            throw ToolFailure("offset \(offset) is past the end of '\(location.display)' (\(size) bytes)")
        }
        let count = min(limit, size - offset)
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress.map { $0 + done }, count - done, off_t(offset + done))
            }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { break }
            done += got
        }
        bytes.removeSubrange(done...)
        return Slice(bytes: bytes, fileSize: size, isTruncated: offset + done < size)
    }

    // MARK: - Writing

    /// Replaces or extends a file under the caps: the file may not exceed `maxFileBytes`, nor its
    /// root `maxRootBytes`. Missing folders are created. A replacement is atomic.
    static func write(
        _ bytes: [UInt8], to location: Location, appending: Bool, limits: ToolSettings.Files
    ) throws(ToolFailure) -> Int {
        var existingSize = 0
        var status = stat()
        if lstat(location.path, &status) == 0 {
            let kind = status.st_mode & S_IFMT
            guard kind == S_IFREG else {
                throw ToolFailure("'\(location.display)' is \(kind == S_IFDIR ? "a folder" : "not a regular file")")
            }
            guard status.st_nlink <= 1 else { throw hardLinked(location) }
            existingSize = Int(status.st_size)
        }
        let newSize = appending ? existingSize + bytes.count : bytes.count
        guard newSize <= limits.maxFileBytes else {
            throw ToolFailure(
                "'\(location.display)' would be \(newSize) bytes; the cap is \(limits.maxFileBytes) "
                    + "(lemming.json tools.files.max_file_bytes)")
        }
        let used = usage(of: location.rootPath)
        guard used - existingSize + newSize <= limits.maxRootBytes else {
            let name = location.root == .shared ? "shared/" : "your workspace"
            throw ToolFailure(
                "\(name) holds \(used) bytes; this write would pass its cap of \(limits.maxRootBytes) "
                    + "(lemming.json tools.files.max_root_bytes)")
        }
        try makeParents(of: location)
        if appending {
            let descriptor = open(location.path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw failure("append to", location, errno) }
            defer { close(descriptor) }
            let status = try checkedStatus(descriptor, location)
            guard Int(status.st_size) + bytes.count <= limits.maxFileBytes else {
                throw ToolFailure("'\(location.display)' grew while being written; try again")
            }
            do {
                try writeAll(bytes, to: descriptor)
            } catch {
                throw failure("append to", location, error.code)
            }
        } else {
            do {
                try FileSystem.writeAtomically(bytes, to: location.path)
            } catch {
                throw ToolFailure("could not write '\(location.display)': \(error.reason)")
            }
        }
        return newSize
    }

    private struct WriteError: Error {
        var code: Int32
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws(WriteError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw WriteError(code: errno)
            }
            offset += written
        }
    }

    /// Creates the missing folders above a location (they are inside its root: resolution put
    /// every existing component, symlinks resolved, before the missing ones).
    private static func makeParents(of location: Location) throws(ToolFailure) {
        let parent = FileSystem.parentDirectory(of: location.path)
        do {
            try FileSystem.makeDirectory(parent)
        } catch {
            throw ToolFailure("could not create the folder of '\(location.display)': \(error.reason)")
        }
    }

    /// The bytes held by the regular files under `root` (symlinks not followed).
    static func usage(of root: String) -> Int {
        var total = 0
        walk(root, relative: "") { _, status in
            if status.st_mode & S_IFMT == S_IFREG { total += Int(status.st_size) }
            return true
        }
        return total
    }

    // MARK: - Listing and searching

    static func list(_ location: Location, recursive: Bool, limit: Int) throws(ToolFailure) -> ([Entry], Bool) {
        var status = stat()
        guard lstat(location.path, &status) == 0 else { throw failure("list", location, errno) }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw ToolFailure("'\(location.display)' is not a folder") }
        var entries: [Entry] = []
        var truncated = false
        walk(location.path, relative: "", recursive: recursive) { relative, status in
            guard entries.count < limit else {
                truncated = true
                return false
            }
            entries.append(Entry(path: relative, kind: kind(of: status), size: Int(status.st_size)))
            return true
        }
        return (entries, truncated)
    }

    /// Lines containing `query` in the files under a location (or in the file itself).
    static func search(
        _ query: String, in location: Location, ignoringCase: Bool, limit: Int, maxFileBytes: Int
    ) throws(ToolFailure) -> ([String], Bool) {
        var status = stat()
        guard lstat(location.path, &status) == 0 else { throw failure("search", location, errno) }
        let needle = ignoringCase ? query.lowercased() : query
        var matches: [String] = []
        var truncated = false
        func scan(_ path: String, shown: String, status: stat) {
            guard status.st_mode & S_IFMT == S_IFREG, status.st_nlink <= 1, Int(status.st_size) <= maxFileBytes,
                let bytes = try? read(
                    Location(display: shown, path: path, root: location.root, rootPath: location.rootPath), offset: 0,
                    limit: maxFileBytes
                ).bytes,
                !bytes.contains(0)
            else { return }
            let text = String(decoding: bytes, as: UTF8.self)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let haystack = ignoringCase ? line.lowercased() : String(line)
                guard haystack.contains(needle) else { continue }
                guard matches.count < limit else {
                    truncated = true
                    return
                }
                let shownLine = line.count > 300 ? line.prefix(300) + "…" : line
                matches.append("\(shown):\(number + 1): \(shownLine)")
            }
        }
        if status.st_mode & S_IFMT == S_IFDIR {
            walk(location.path, relative: "", recursive: true) { relative, status in
                let shown = location.display == "." ? relative : location.display + "/" + relative
                scan(location.path + "/" + relative, shown: shown, status: status)
                return !truncated
            }
        } else {
            scan(location.path, shown: location.display, status: status)
        }
        return (matches, truncated)
    }

    // MARK: - Helpers

    typealias Location = Sandbox.Location

    /// Visits the entries under `folder` in name order, without following symlinks; `visit`
    /// returns `false` to stop.
    @discardableResult
    private static func walk(
        _ folder: String, relative: String, recursive: Bool = true, visit: (String, stat) -> Bool
    ) -> Bool {
        guard let names = try? FileSystem.list(folder) else { return true }
        for name in names.sorted() {
            let path = folder + "/" + name
            let shown = relative.isEmpty ? name : relative + "/" + name
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            guard visit(shown, status) else { return false }
            if recursive, status.st_mode & S_IFMT == S_IFDIR {
                guard walk(path, relative: shown, recursive: true, visit: visit) else { return false }
            }
        }
        return true
    }

    private static func kind(of status: stat) -> Entry.Kind {
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .link
        default: return .other
        }
    }

    /// The status of an open descriptor, which must be a regular file with one hard link.
    private static func checkedStatus(_ descriptor: Int32, _ location: Location) throws(ToolFailure) -> stat {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("inspect", location, errno) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw ToolFailure(
                "'\(location.display)' is \(status.st_mode & S_IFMT == S_IFDIR ? "a folder" : "not a regular file")")
        }
        guard status.st_nlink <= 1 else { throw hardLinked(location) }
        return status
    }

    private static func hardLinked(_ location: Location) -> ToolFailure {
        ToolFailure("'\(location.display)' has several hard links and may be a file outside the sandbox; refused")
    }

    private static func failure(_ action: String, _ location: Location, _ code: Int32) -> ToolFailure {
        switch code {
        case ENOENT: return ToolFailure("'\(location.display)' does not exist")
        case ELOOP: return ToolFailure("'\(location.display)' is a symlink; refused")
        case EISDIR: return ToolFailure("'\(location.display)' is a folder")
        default: return ToolFailure("could not \(action) '\(location.display)': \(String(cString: strerror(code)))")
        }
    }
}
