import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Metadata of a file, used to notice changes without reading content.
package struct FileInfo: Sendable, Hashable {
    package var size: Int
    package var modificationNanoseconds: Int64
    package var inode: UInt64
    package var isDirectory: Bool
    package var isRegularFile: Bool
}

/// Thin, throwing wrappers over the POSIX file calls the store needs.
///
/// Every write that replaces content is atomic: the bytes go to a temporary file in the same
/// folder, optionally `fsync`ed, then renamed over the target, so a reader (or a crash) sees the
/// old file or the new one, never a mix. Errors are ``LemmingError`` values with code `.io` that
/// name the path and the system's reason.
package enum FileSystem {
    private static let temporaryCounter = Atomic<Int>(0)

    static func error(_ action: String, _ path: String, _ code: Int32 = errno) -> LemmingError {
        LemmingError(.io, "could not \(action): \(String(cString: strerror(code)))", path: path)
    }

    /// The whole content of a file.
    package static func read(_ path: String) throws -> [UInt8] {
        guard let bytes = try readIfPresent(path) else { throw error("read", path, ENOENT) }
        return bytes
    }

    /// The whole content of a file, or `nil` when it does not exist.
    package static func readIfPresent(_ path: String) throws -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw error("read", path)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw error("read", path) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw error("read", path, EISDIR) }
        var result: [UInt8] = []
        var capacity = max(Int(info.st_size), 0) + 1
        result.reserveCapacity(capacity)
        while true {
            var chunk = [UInt8](repeating: 0, count: max(capacity - result.count, 4096))
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw error("read", path)
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
            capacity = result.count * 2
        }
        return result
    }

    /// Replaces (or creates) `path` with `bytes` atomically.
    ///
    /// - Parameter sync: `fsync` the data before the rename, so that the new content is durable
    ///   once the directory is synced.
    package static func writeAtomically(_ bytes: [UInt8], to path: String, sync: Bool = false) throws {
        let temporary = temporaryPath(for: path)
        try writeNew(bytes, to: temporary, sync: sync, exclusive: false)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw error("replace", path, code)
        }
    }

    /// Rewrites `path` with `bytes` in place (creating it if needed): no temporary file, no new
    /// inode. Not atomic for concurrent readers; used only for files that the journal protects,
    /// because replacing files at a high rate is slow on some file systems (ext4 without a
    /// journal scans recently freed inodes on every file creation).
    package static func overwrite(_ bytes: [UInt8], at path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw error("open", path) }
        defer { close(descriptor) }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = pwrite(
                    descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset, off_t(offset))
                if written < 0 {
                    if errno == EINTR { continue }
                    throw error("write", path)
                }
                offset += written
            }
        }
        guard ftruncate(descriptor, off_t(bytes.count)) == 0 else { throw error("truncate", path) }
    }

    /// Appends `bytes` to `path` and flushes them (`fdatasync`), creating the file if needed.
    ///
    /// - Returns: whether the file was created (its directory then needs a sync).
    @discardableResult
    package static func appendDurably(_ bytes: [UInt8], to path: String) throws -> Bool {
        try appendDurably([bytes], to: path)
    }

    /// Appends `pieces`, one after another, to `path` and flushes them (`fdatasync`), creating the
    /// file if needed. Small pieces are gathered into writes of about 1 MiB, so a record of many
    /// files is neither joined in memory nor written a piece at a time.
    ///
    /// - Returns: whether the file was created (its directory then needs a sync).
    @discardableResult
    package static func appendDurably(_ pieces: [[UInt8]], to path: String) throws -> Bool {
        var created = false
        var descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        if descriptor < 0, errno == ENOENT {
            descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            created = true
        }
        guard descriptor >= 0 else { throw error("open", path) }
        defer { close(descriptor) }
        let bufferBytes = 1 << 20
        if pieces.count == 1 {
            try writeAll(pieces[0], to: descriptor, path: path)
        } else {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(min(pieces.reduce(0) { $0 + $1.count }, bufferBytes))
            for piece in pieces {
                if !buffer.isEmpty, buffer.count + piece.count > bufferBytes {
                    try writeAll(buffer, to: descriptor, path: path)
                    buffer.removeAll(keepingCapacity: true)
                }
                if piece.count >= bufferBytes {
                    try writeAll(piece, to: descriptor, path: path)
                } else {
                    buffer.append(contentsOf: piece)
                }
            }
            if !buffer.isEmpty { try writeAll(buffer, to: descriptor, path: path) }
        }
        guard fdatasync(descriptor) == 0 else { throw error("sync", path) }
        return created
    }

    /// Cuts a file to `length` bytes (a missing file is not an error).
    package static func truncate(_ path: String, to length: Int) throws {
        if Glibc.truncate(path, off_t(length)) != 0, errno != ENOENT { throw error("truncate", path) }
    }

    /// Creates `path` with `bytes`, failing with `EEXIST` if it already exists (no temp file).
    static func writeNew(_ bytes: [UInt8], to path: String, sync: Bool, exclusive: Bool) throws {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else { throw error("create", path) }
        do {
            try writeAll(bytes, to: descriptor, path: path)
            if sync, fsync(descriptor) != 0 { throw error("sync", path) }
        } catch {
            close(descriptor)
            unlink(path)
            throw error
        }
        guard close(descriptor) == 0 else { throw error("close", path) }
    }

    /// Creates `path` with `bytes` only if it does not exist yet, atomically.
    ///
    /// - Returns: `false` when a file of that name already existed (nothing was written).
    package static func createExclusively(_ bytes: [UInt8], at path: String) throws -> Bool {
        let temporary = temporaryPath(for: path)
        try writeNew(bytes, to: temporary, sync: false, exclusive: false)
        defer { unlink(temporary) }
        if link(temporary, path) == 0 { return true }
        if errno == EEXIST { return false }
        throw error("create", path)
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw error("write", path)
                }
                offset += written
            }
        }
    }

    /// Appends `bytes` to `path` (creating it), after cutting the file to `length` when given.
    ///
    /// Cutting first makes a replayed append idempotent: the journal records the length the file
    /// had before the tick, so applying the same append twice leaves one copy.
    package static func append(_ bytes: [UInt8], to path: String, truncatingTo length: Int? = nil) throws {
        guard let length else {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw error("open", path) }
            defer { close(descriptor) }
            try writeAll(bytes, to: descriptor, path: path)
            return
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw error("open", path) }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw error("truncate", path) }
        guard lseek(descriptor, off_t(length), SEEK_SET) >= 0 else { throw error("seek", path) }
        try writeAll(bytes, to: descriptor, path: path)
    }

    /// A file descriptor of an unlinked temporary file holding `bytes`, positioned at its start:
    /// the standard input of a child process that may exit without reading it (no `EPIPE`).
    /// The caller owns the descriptor.
    package static func unlinkedTemporaryFile(containing bytes: [UInt8]) throws -> Int32 {
        var directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        if directory.isEmpty { directory = "/tmp" }
        if directory.hasSuffix("/") { directory.removeLast() }
        var template = Array((directory + "/lemming-stdin-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard descriptor >= 0 else { throw error("create a temporary file in", directory) }
        template.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { _ = unlink(base) }
        }
        do {
            try writeAll(bytes, to: descriptor, path: directory)
        } catch {
            close(descriptor)
            throw error
        }
        _ = lseek(descriptor, 0, SEEK_SET)
        return descriptor
    }

    /// Removes a file; a missing file is not an error.
    package static func remove(_ path: String) throws {
        if unlink(path) != 0, errno != ENOENT { throw error("remove", path) }
    }

    /// Renames a file; returns `false` when the source does not exist.
    @discardableResult
    package static func move(_ source: String, to destination: String) throws -> Bool {
        if rename(source, destination) == 0 { return true }
        if errno == ENOENT { return false }
        throw error("move", source)
    }

    /// Creates a directory and its missing parents.
    package static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) == 0 { return }
        switch errno {
        case EEXIST:
            if info(path)?.isDirectory == true { return }
            throw error("create directory", path, ENOTDIR)
        case ENOENT:
            let parent = parentDirectory(of: path)
            guard parent != path, !parent.isEmpty else { throw error("create directory", path) }
            try makeDirectory(parent)
            if mkdir(path, 0o755) != 0, errno != EEXIST { throw error("create directory", path) }
        default:
            throw error("create directory", path)
        }
    }

    /// The names in a directory (no `.` or `..`), unsorted; `nil` when it does not exist.
    package static func list(_ path: String) throws -> [String]? {
        var names: [String] = []
        guard try forEachName(in: path, { names.append(String(decoding: $0, as: UTF8.self)) }) else { return nil }
        return names
    }

    /// Lists the open directory `descriptor` (its names without `.` and `..`, in the order the
    /// file system gives), then calls `body` with them and the directory's descriptor, for
    /// `openat`/`fstatat` relative to it. Takes ownership of `descriptor`: it is closed on return.
    ///
    /// - Returns: what `body` returned, or `nil` when `descriptor` is not a directory.
    package static func withNames<T>(inDirectory descriptor: Int32, _ body: ([String], Int32) -> T) -> T? {
        guard let directory = fdopendir(descriptor) else {
            close(descriptor)
            return nil
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = String(decoding: nameBytes(of: entry), as: UTF8.self)
            if name != ".", name != ".." { names.append(name) }
        }
        return body(names, dirfd(directory))
    }

    /// Calls `body` with the bytes of each name in a directory (not `.` and `..`), in directory
    /// order, without building strings.
    ///
    /// - Returns: `false` when the directory does not exist.
    package static func forEachName(in path: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Bool
    {
        guard let directory = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return false }
            throw error("list", path)
        }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = nameBytes(of: entry)
            if name.count == 1, name[0] == 0x2E { continue }
            if name.count == 2, name[0] == 0x2E, name[1] == 0x2E { continue }
            try body(name)
        }
        return true
    }

    /// The name of a directory entry that `readdir` returned, read where it lies.
    ///
    /// A record of `readdir` is only as long as its name needs, so it can end before
    /// `MemoryLayout<dirent>.size`: copying the struct (`entry.pointee.d_name` by value) can read past
    /// the end of the library's buffer into an unmapped page and crash. The name is read in place up
    /// to its terminating NUL instead; it is valid until the next `readdir` on the directory.
    static func nameBytes(of entry: UnsafeMutablePointer<dirent>) -> UnsafeBufferPointer<UInt8> {
        // A stored field always has an offset; without one, no name rather than a wild read.
        guard let offset = direntNameOffset else { return UnsafeBufferPointer(start: nil, count: 0) }
        let start = UnsafeRawPointer(entry).advanced(by: offset)
        let length = strlen(start.assumingMemoryBound(to: CChar.self))
        return UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt8.self), count: length)
    }

    static let direntNameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)

    /// Up to `maxCount` bytes of a file from `offset` (fewer at its end), or `nil` when it does not exist.
    package static func read(_ path: String, from offset: Int, maxCount: Int) throws -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw error("read", path)
        }
        defer { close(descriptor) }
        guard let bytes = read(descriptor: descriptor, from: offset, count: maxCount) else { throw error("read", path) }
        return bytes
    }

    /// Up to `count` bytes of the open file `descriptor` from `offset` (fewer at its end), with
    /// `pread`, retrying interrupted and short reads.
    ///
    /// - Returns: the bytes, or `nil` when reading failed (`errno` says why).
    package static func read(descriptor: Int32, from offset: Int, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: max(0, count))
        var filled = 0
        while filled < buffer.count {
            let got = buffer.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress.map { $0 + filled }, $0.count - filled, off_t(offset + filled))
            }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { return nil }
            if got == 0 { break }
            filled += got
        }
        buffer.removeLast(buffer.count - filled)
        return buffer
    }

    /// The last `lines` complete lines of a file (read from the end, so large logs stay cheap), or
    /// `nil` when the file does not exist. A last line without its newline (being written) is left out.
    package static func readTail(_ path: String, lines: Int) throws -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw error("read", path)
        }
        defer { close(descriptor) }
        let size = Int(lseek(descriptor, 0, SEEK_END))
        guard size > 0 else { return [] }
        var chunk = 64 * 1024
        while true {
            let start = max(0, size - chunk)
            var buffer = [UInt8](repeating: 0, count: size - start)
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(start)) }
            guard count >= 0 else { throw error("read", path) }
            buffer.removeLast(buffer.count - count)
            if let lastNewline = buffer.lastIndex(of: 0x0A) {
                buffer.removeSubrange((lastNewline + 1)...)
            } else {
                buffer.removeAll()
            }
            var newlines = 0
            var cut = buffer.count
            for index in stride(from: buffer.count - 1, through: 0, by: -1) where buffer[index] == 0x0A {
                newlines += 1
                if newlines == lines + 1 {
                    cut = index + 1
                    break
                }
            }
            if newlines > lines || start == 0 {
                return newlines > lines ? Array(buffer[cut...]) : buffer
            }
            chunk *= 4
        }
    }

    /// Metadata of `path` (following symlinks), or `nil` when it does not exist.
    package static func info(_ path: String) -> FileInfo? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        let kind = status.st_mode & S_IFMT
        #if canImport(Darwin)
        let nanoseconds = Int64(status.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(status.st_mtimespec.tv_nsec)
        #else
        let nanoseconds = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        #endif
        return FileInfo(
            size: Int(status.st_size),
            modificationNanoseconds: nanoseconds,
            inode: UInt64(status.st_ino),
            isDirectory: kind == S_IFDIR,
            isRegularFile: kind == S_IFREG
        )
    }

    package static func exists(_ path: String) -> Bool { info(path) != nil }

    /// Flushes a directory's entries (new names, renames) to disk.
    package static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw error("open directory", path) }
        defer { close(descriptor) }
        if fsync(descriptor) != 0, errno != EINVAL { throw error("sync directory", path) }
    }

    /// Flushes every dirty file of the file system that holds `path` (Linux `syncfs`).
    package static func syncFileSystem(containing path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw error("open directory", path) }
        defer { close(descriptor) }
        if let syncfs = SyncFS.function {
            if syncfs(descriptor) != 0 { throw error("sync file system", path) }
        } else {
            sync()
        }
    }

    /// Removes a directory tree. Used by tests and `reset`; never follows symlinks out of it.
    package static func removeTree(_ path: String) throws {
        guard let info = lstatInfo(path) else { return }
        if info.isDirectory {
            for name in try list(path) ?? [] { try removeTree(path + "/" + name) }
            if rmdir(path) != 0, errno != ENOENT { throw error("remove directory", path) }
        } else {
            try remove(path)
        }
    }

    private static func lstatInfo(_ path: String) -> FileInfo? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        let kind = status.st_mode & S_IFMT
        return FileInfo(
            size: Int(status.st_size),
            modificationNanoseconds: 0,
            inode: UInt64(status.st_ino),
            isDirectory: kind == S_IFDIR,
            isRegularFile: kind == S_IFREG
        )
    }

    /// Whether a file name is one of the temporary files this type creates.
    package static func isTemporaryName(_ name: String) -> Bool {
        name.hasPrefix(".") && name.hasSuffix(".tmp")
    }

    static func temporaryPath(for path: String) -> String {
        let number = temporaryCounter.wrappingAdd(1, ordering: .relaxed).newValue
        let directory = parentDirectory(of: path)
        let name = path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...]
        let prefix = directory.isEmpty ? "" : directory + "/"
        return "\(prefix).\(name).\(getpid())-\(number).tmp"
    }

    /// The directory part of a path (`"a/b/c"` → `"a/b"`).
    package static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }
}

private enum SyncFS {
    typealias Function = @convention(c) (Int32) -> Int32
    static let function: Function? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
        #else
        return nil
        #endif
    }()
}
