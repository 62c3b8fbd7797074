import CLemmingSandbox
import LemmingCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file operations of the file tools, on locations a ``Sandbox`` checked.
///
/// Every path is opened relative to the descriptor of its root folder with
/// `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)` (Linux 5.6; on older
/// kernels an equivalent walk opens one component at a time with `O_NOFOLLOW`), and every later
/// step works on the descriptors it got: a symlink anywhere in a path is refused, and swapping a
/// folder for a symlink mid-call cannot redirect a read or a write. Reads never block on FIFOs or
/// devices, and only regular files with a single hard link are read or written. A replacement
/// is atomic: a temporary file (``PartialWrite``) in the same folder, `fsync`, `renameat` on the
/// folder's descriptor, then `fsync` of the folder.
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

    typealias Location = Sandbox.Location

    // MARK: - Reading

    static func read(_ location: Location, offset: Int, limit: Int) throws(ToolFailure) -> Slice {
        let root = try openRoot(location)
        defer { close(root) }
        let descriptor = openBeneath(root, location.relativePath, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("read", location, errno) }
        defer { close(descriptor) }
        return try read(descriptor, location, offset: offset, limit: limit)
    }

    private static func read(
        _ descriptor: Int32, _ location: Location, offset: Int, limit: Int
    ) throws(ToolFailure) -> Slice {
        let status = try checkedStatus(descriptor, location)
        let size = Int(status.st_size)
        guard offset <= size else {
            throw ToolFailure("offset \(offset) is past the end of '\(location.display)' (\(size) bytes)")
        }
        guard let bytes = FileSystem.read(descriptor: descriptor, from: offset, count: min(limit, size - offset)) else {
            throw ToolFailure("could not read '\(location.display)' (\(String(cString: strerror(errno))))")
        }
        return Slice(bytes: bytes, fileSize: size, isTruncated: offset + bytes.count < size)
    }

    // MARK: - Writing

    /// Replaces or extends a file under the caps: the file may not exceed `maxFileBytes`, nor its
    /// root `maxRootBytes`. Missing folders are created. A replacement is atomic.
    ///
    /// - Parameter afterChecks: called once the folder is open and the checks passed, just before
    ///   the file is written (tests swap folders there).
    static func write(
        _ bytes: [UInt8], to location: Location, appending: Bool, limits: ToolSettings.Files,
        afterChecks: () -> Void = {}
    ) throws(ToolFailure) -> Int {
        guard let name = location.components.last else { throw ToolFailure("'\(location.display)' is a folder") }
        let root = try openRoot(location)
        defer { close(root) }
        let folder = try makeFolders(root, location.components.dropLast(), location)
        defer { close(folder) }
        var existingSize = 0
        var status = stat()
        if fstatat(folder, name, &status, AT_SYMLINK_NOFOLLOW) == 0 {
            let kind = status.st_mode & S_IFMT
            guard kind != S_IFLNK else { throw failure("write", location, ELOOP) }
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
        let used = usage(ofFolder: dup(root))
        guard used - existingSize + newSize <= limits.maxRootBytes else {
            let rootName = location.root == .shared ? "shared/" : "your workspace"
            throw ToolFailure(
                "\(rootName) holds \(used) bytes; this write would pass its cap of \(limits.maxRootBytes) "
                    + "(lemming.json tools.files.max_root_bytes)")
        }
        afterChecks()
        if appending {
            let descriptor = openat(folder, name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw failure("append to", location, errno) }
            defer { close(descriptor) }
            let status = try checkedStatus(descriptor, location)
            guard Int(status.st_size) + bytes.count <= limits.maxFileBytes else {
                throw ToolFailure("'\(location.display)' grew while being written; try again")
            }
            if let code = writeAll(bytes, to: descriptor) { throw failure("append to", location, code) }
        } else {
            try replace(name, in: folder, with: bytes, location)
        }
        return newSize
    }

    /// Writes `bytes` to a temporary file in `folder`, syncs it and renames it over `name`.
    private static func replace(
        _ name: String, in folder: Int32, with bytes: [UInt8], _ location: Location
    ) throws(ToolFailure) {
        let temporary = PartialWrite.temporaryName()
        let descriptor = openat(folder, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("write", location, errno) }
        var code = writeAll(bytes, to: descriptor)
        if code == nil, fsync(descriptor) != 0 { code = errno }
        if close(descriptor) != 0, code == nil { code = errno }
        if code == nil, renameat(folder, temporary, folder, name) != 0 { code = errno }
        if let code {
            unlinkat(folder, temporary, 0)
            throw failure("write", location, code)
        }
        // The new name is durable too (a failure here leaves the new content in place).
        _ = fsync(folder)
    }

    /// The error code of a failed write, or `nil`.
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }

    /// Opens (creating what is missing) the folders `components` below `root`, one at a time
    /// without following symlinks; returns the last one's descriptor.
    private static func makeFolders(
        _ root: Int32, _ components: ArraySlice<String>, _ location: Location
    ) throws(ToolFailure) -> Int32 {
        var current = dup(root)
        guard current >= 0 else { throw failure("open the folder of", location, errno) }
        for component in components {
            if mkdirat(current, component, 0o755) != 0, errno != EEXIST {
                let code = errno
                close(current)
                throw ToolFailure(
                    "could not create the folder of '\(location.display)': \(String(cString: strerror(code)))")
            }
            let next = openBeneath(current, component, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            let code = errno
            close(current)
            guard next >= 0 else {
                throw code == ENOTDIR
                    ? ToolFailure("'\(location.display)': '\(component)' is not a folder")
                    : failure("open the folder of", location, code)
            }
            current = next
        }
        return current
    }

    /// The bytes held by the regular files under a root (symlinks not followed).
    static func usage(of rootPath: String) -> Int {
        let descriptor = open(rootPath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return 0 }
        return usage(ofFolder: descriptor)
    }

    /// The bytes under the folder open as `descriptor` (closed on return).
    private static func usage(ofFolder descriptor: Int32) -> Int {
        var total = 0
        walk(descriptor, relative: "") { _, status in
            if status.st_mode & S_IFMT == S_IFREG { total += Int(status.st_size) }
            return true
        }
        return total
    }

    // MARK: - Listing and searching

    static func list(_ location: Location, recursive: Bool, limit: Int) throws(ToolFailure) -> ([Entry], Bool) {
        let folder = try openFolder(location)
        var entries: [Entry] = []
        var truncated = false
        walk(folder, relative: "", recursive: recursive) { relative, status in
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
        let root = try openRoot(location)
        defer { close(root) }
        let descriptor = openBeneath(root, location.relativePath, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("search", location, errno) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            close(descriptor)
            throw failure("search", location, errno)
        }
        let needle = ignoringCase ? query.lowercased() : query
        var matches: [String] = []
        var truncated = false
        func scan(_ file: Int32, shown: String, status: stat) {
            guard status.st_mode & S_IFMT == S_IFREG, status.st_nlink <= 1, Int(status.st_size) <= maxFileBytes,
                let bytes = try? read(
                    file, Location(display: shown, root: location.root, rootPath: location.rootPath, components: []),
                    offset: 0, limit: maxFileBytes
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
            walkEntries(descriptor, relative: "", recursive: true) { relative, status, folder, name in
                guard status.st_mode & S_IFMT == S_IFREG else { return true }
                let file = openat(folder, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
                guard file >= 0 else { return true }
                defer { close(file) }
                scan(
                    file, shown: location.display == "." ? relative : location.display + "/" + relative, status: status)
                return !truncated
            }
        } else {
            defer { close(descriptor) }
            scan(descriptor, shown: location.display, status: status)
        }
        return (matches, truncated)
    }

    // MARK: - Leftovers

    private static let sweptRoots = Mutex<Set<String>>([])

    /// Removes the temporary files a crash left under a root, the first time this process uses it.
    static func removeLeftoversOnce(under root: String) {
        let isFirst = sweptRoots.withLock { $0.insert(root).inserted }
        if isFirst { PartialWrite.removeLeftovers(under: root) }
    }

    // MARK: - Helpers

    /// The root folder of a location, opened without following a symlink in its last component.
    private static func openRoot(_ location: Location) throws(ToolFailure) -> Int32 {
        let descriptor = open(location.rootPath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ToolFailure("could not open \(location.root == .shared ? "shared/" : "your workspace")")
        }
        return descriptor
    }

    /// The folder a location names, open.
    private static func openFolder(_ location: Location) throws(ToolFailure) -> Int32 {
        let root = try openRoot(location)
        defer { close(root) }
        let descriptor = openBeneath(root, location.relativePath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw errno == ENOTDIR
                ? ToolFailure("'\(location.display)' is not a folder") : failure("list", location, errno)
        }
        return descriptor
    }

    /// Opens `path` below the folder `base` without following any symlink: `openat2` with
    /// `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS`, or, where the kernel lacks
    /// it (`ENOSYS`), one component at a time with `O_NOFOLLOW`.
    static func openBeneath(_ base: Int32, _ path: String, _ flags: Int32, mode: mode_t = 0o644) -> Int32 {
        let resolve = UInt64(LEMMING_RESOLVE_BENEATH | LEMMING_RESOLVE_NO_SYMLINKS | LEMMING_RESOLVE_NO_MAGICLINKS)
        let descriptor = lemming_openat2(base, path, flags, mode, resolve)
        guard descriptor < 0, errno == ENOSYS else { return descriptor }
        let components = path.split(separator: "/").map(String.init).filter { $0 != "." }
        guard !components.contains("..") else {
            errno = EXDEV
            return -1
        }
        guard let last = components.last else { return openat(base, ".", flags | O_NOFOLLOW) }
        var current = dup(base)
        for component in components.dropLast() {
            let next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let code = errno
            close(current)
            guard next >= 0 else {
                errno = code
                return -1
            }
            current = next
        }
        let result = openat(current, last, flags | O_NOFOLLOW, mode)
        let code = errno
        close(current)
        errno = code
        return result
    }

    /// Visits the entries under the folder open as `descriptor` (closed on return) in name order,
    /// without following symlinks; `visit` gets the relative path, the status, the folder's
    /// descriptor and the entry's name, and returns `false` to stop.
    @discardableResult
    private static func walkEntries(
        _ descriptor: Int32, relative: String, recursive: Bool = true,
        visit: (String, stat, Int32, String) -> Bool
    ) -> Bool {
        FileSystem.withNames(inDirectory: descriptor) { names, folder in
            for name in names.sorted() {
                let shown = relative.isEmpty ? name : relative + "/" + name
                var status = stat()
                guard fstatat(folder, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
                guard visit(shown, status, folder, name) else { return false }
                if recursive, status.st_mode & S_IFMT == S_IFDIR {
                    let child = openat(folder, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                    if child >= 0 {
                        guard walkEntries(child, relative: shown, recursive: true, visit: visit) else { return false }
                    }
                }
            }
            return true
        } ?? true
    }

    @discardableResult
    private static func walk(
        _ descriptor: Int32, relative: String, recursive: Bool = true, visit: (String, stat) -> Bool
    ) -> Bool {
        walkEntries(descriptor, relative: relative, recursive: recursive) { shown, status, _, _ in visit(shown, status)
        }
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
        case ELOOP: return ToolFailure("'\(location.display)' leads through a symlink; refused")
        case EXDEV: return ToolFailure("'\(location.display)' leads outside your workspace and shared/; refused")
        case EISDIR: return ToolFailure("'\(location.display)' is a folder")
        case ENOTDIR: return ToolFailure("'\(location.display)': a part of the path is not a folder")
        default: return ToolFailure("could not \(action) '\(location.display)': \(String(cString: strerror(code)))")
        }
    }
}
