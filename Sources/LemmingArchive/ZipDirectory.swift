import LemmingCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The central directory of a zip file as stored: each entry's raw name bytes and the type its
/// attributes declare (PKWARE APPNOTE 6.3.10 §4.3.12, §4.3.14–4.3.16).
///
/// ZIPFoundation reads the entries; this scan is the second opinion an importer needs, because the
/// library does not expose what it cannot represent: a name's raw bytes, and a Unix mode that is
/// neither a file, a folder nor a symbolic link (a device, a pipe, a socket), which it reports as a
/// plain file. The importer requires both readings to list the same names in the same order.
///
/// It does not read entry data, and checks nothing about names; see ``ArchivePath``.
struct ZipDirectory {
    /// What an entry's attributes say it is.
    enum Kind: Equatable {
        case file, directory, symbolicLink
        /// A device, a named pipe or a socket (the Unix file type bits).
        case special
    }

    struct Record {
        var name: [UInt8]
        var kind: Kind
        var isEncrypted: Bool
    }

    var records: [Record]

    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let headerSignature: UInt32 = 0x0201_4B50

    /// Reads the central directory of the zip file at `path`.
    ///
    /// - Parameter maxEntries: the most entries accepted; a directory declaring more is refused
    ///   before it is read.
    /// - Throws: ``LemmingError`` `.invalidArchive` for a file that is not a zip or whose directory
    ///   is damaged or spans several disks, `.archiveTooLarge` past `maxEntries`, `.io`.
    static func read(_ path: String, maxEntries: Int) throws -> ZipDirectory {
        let file = try ReadOnlyFile(path)
        defer { file.close() }
        let size = file.size
        let tailLength = min(size, 22 + 0xFFFF)
        let tail = try file.read(at: size - tailLength, count: tailLength)
        guard let end = findEnd(in: tail) else { throw damaged("it has no end of central directory record") }
        let endOffset = size - tailLength + end
        guard tail.uint16(at: end + 4) == 0, tail.uint16(at: end + 6) == 0 else {
            throw damaged("it spans several disks")
        }
        var count = UInt64(tail.uint16(at: end + 10))
        var directorySize = UInt64(tail.uint32(at: end + 12))
        var directoryOffset = UInt64(tail.uint32(at: end + 16))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: the locator stands just before the end record (§4.3.15).
            guard endOffset >= 20 else { throw damaged("its ZIP64 locator is missing") }
            let locator = try file.read(at: endOffset - 20, count: 20)
            guard locator.uint32(at: 0) == zip64LocatorSignature else { throw damaged("its ZIP64 locator is missing") }
            let recordOffset = locator.uint64(at: 8)
            guard size >= 56, recordOffset <= UInt64(size - 56) else {
                throw damaged("its ZIP64 end record is out of the file")
            }
            let record = try file.read(at: Int(recordOffset), count: 56)
            guard record.uint32(at: 0) == zip64EndSignature else { throw damaged("its ZIP64 end record is missing") }
            count = record.uint64(at: 32)
            directorySize = record.uint64(at: 40)
            directoryOffset = record.uint64(at: 48)
        }
        guard count <= UInt64(maxEntries) else {
            throw LemmingError(
                .archiveTooLarge, "the archive has \(count) entries, more than the limit of \(maxEntries)", path: path)
        }
        guard directoryOffset <= UInt64(size), directorySize <= UInt64(size) - directoryOffset else {
            throw damaged("its central directory is out of the file")
        }
        let directory = try file.read(at: Int(directoryOffset), count: Int(directorySize))
        var records: [Record] = []
        records.reserveCapacity(Int(count))
        var offset = 0
        for _ in 0..<count {
            guard offset + 46 <= directory.count, directory.uint32(at: offset) == headerSignature else {
                throw damaged("its central directory is damaged")
            }
            let madeBy = directory.uint16(at: offset + 4)
            let flags = directory.uint16(at: offset + 8)
            let nameLength = Int(directory.uint16(at: offset + 28))
            let extraLength = Int(directory.uint16(at: offset + 30))
            let commentLength = Int(directory.uint16(at: offset + 32))
            let attributes = directory.uint32(at: offset + 38)
            let nameStart = offset + 46
            guard nameStart + nameLength + extraLength + commentLength <= directory.count else {
                throw damaged("its central directory is damaged")
            }
            let name = Array(directory[nameStart..<(nameStart + nameLength)])
            records.append(
                Record(
                    name: name, kind: kind(madeBy: madeBy, attributes: attributes, name: name),
                    isEncrypted: flags & 1 != 0))
            offset = nameStart + nameLength + extraLength + commentLength
        }
        return ZipDirectory(records: records)

        func damaged(_ reason: String) -> LemmingError {
            LemmingError(.invalidArchive, "not a readable zip archive: \(reason)", path: path)
        }
    }

    /// The last end record whose comment reaches exactly the end of the file (a comment may hold
    /// the signature's bytes).
    private static func findEnd(in tail: [UInt8]) -> Int? {
        var offset = tail.count - 22
        while offset >= 0 {
            if tail.uint32(at: offset) == endSignature,
                offset + 22 + Int(tail.uint16(at: offset + 20)) == tail.count
            {
                return offset
            }
            offset -= 1
        }
        return nil
    }

    /// The type from the Unix mode when a Unix system made the entry (§4.4.2: host 3, or 19 for
    /// OS X), else from the name's trailing slash and the MS-DOS folder bit.
    private static func kind(madeBy: UInt16, attributes: UInt32, name: [UInt8]) -> Kind {
        let byName: Kind = name.last == UInt8(ascii: "/") || attributes & 0x10 != 0 ? .directory : .file
        let host = madeBy >> 8
        guard host == 3 || host == 19 else { return byName }
        switch (attributes >> 16) & 0o170000 {
        case 0: return byName
        case 0o100000: return .file
        case 0o040000: return .directory
        case 0o120000: return .symbolicLink
        default: return .special
        }
    }
}

/// A file opened for reading at offsets.
private struct ReadOnlyFile {
    let descriptor: Int32
    let size: Int
    let path: String

    init(_ path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw LemmingError(.io, "could not open the archive: \(String(cString: strerror(errno)))", path: path)
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            Glibc.close(descriptor)
            throw LemmingError(.invalidArchive, "not a regular file", path: path)
        }
        size = Int(status.st_size)
    }

    func read(at offset: Int, count: Int) throws -> [UInt8] {
        guard let bytes = FileSystem.read(descriptor: descriptor, from: offset, count: count), bytes.count == count
        else {
            throw LemmingError(.invalidArchive, "not a readable zip archive: it ends too soon", path: path)
        }
        return bytes
    }

    func close() { Glibc.close(descriptor) }
}

extension [UInt8] {
    /// Little-endian integers (every zip field is little-endian, APPNOTE §4.4.1.1).
    fileprivate func uint16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    fileprivate func uint32(at offset: Int) -> UInt32 {
        UInt32(uint16(at: offset)) | UInt32(uint16(at: offset + 2)) << 16
    }

    fileprivate func uint64(at offset: Int) -> UInt64 {
        UInt64(uint32(at: offset)) | UInt64(uint32(at: offset + 4)) << 32
    }
}
