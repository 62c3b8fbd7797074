#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FileSystem {
    /// Copies the tree at `source` to `destination` (created): folders, regular files (bytes and
    /// permission bits) and symbolic links (as links, never followed); other kinds are skipped.
    ///
    /// - Parameter skip: paths relative to `source` left out, with what is below them.
    /// - Throws: ``LemmingError`` `.io` naming the file that could not be read or written.
    package static func copyTree(from source: String, to destination: String, skip: Set<String> = []) throws {
        try makeDirectory(destination)
        try copyChildren(of: source, to: destination, relative: "", skip: skip)
    }

    private static func copyChildren(
        of source: String, to destination: String, relative: String, skip: Set<String>
    )
        throws
    {
        for name in (try list(source) ?? []).sorted() {
            let child = relative.isEmpty ? name : relative + "/" + name
            if skip.contains(child) || isTemporaryName(name) { continue }
            let from = source + "/" + name
            let to = destination + "/" + name
            var status = stat()
            guard lstat(from, &status) == 0 else { continue }  // gone meanwhile
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                try makeDirectory(to)
                try copyChildren(of: from, to: to, relative: child, skip: skip)
            case S_IFREG:
                guard let bytes = try readIfPresent(from) else { continue }
                try writeNew(bytes, to: to, sync: false, exclusive: false)
                _ = chmod(to, status.st_mode & 0o7777)
            case S_IFLNK:
                var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let length = readlink(from, &buffer, buffer.count - 1)
                guard length >= 0 else { continue }
                buffer[length] = 0
                let target = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if symlink(target, to) != 0 { throw error("create link", to) }
            default:
                continue
            }
        }
    }
}
