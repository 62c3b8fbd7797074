/// The rules a path inside an archive must follow to be extracted: relative, canonical, and made
/// of names every file system takes.
///
/// The same rules decide what an export may put in an archive (a file it could not import again is
/// skipped and listed), so every archive LeMMing writes imports.
public enum ArchivePath {
    /// The longest path accepted, in UTF-8 bytes (Linux `PATH_MAX` is 4,096 with the org's root).
    public static let maxBytes = 1024
    /// The longest name of one file or folder, in UTF-8 bytes (`NAME_MAX`).
    public static let maxNameBytes = 255

    /// Why `bytes`, a slash-separated relative path, cannot be extracted, or `nil` when it can.
    ///
    /// Refused: an empty path; invalid UTF-8; a NUL or any other control character; a backslash
    /// (a separator on Windows: `..\x` would escape there); a leading `/` (absolute); an empty,
    /// `.` or `..` component; names over ``maxNameBytes`` and paths over ``maxBytes``.
    public static func problem(_ bytes: some Collection<UInt8>) -> String? {
        if bytes.isEmpty { return "an empty name" }
        if bytes.count > maxBytes { return "a name longer than \(maxBytes) bytes" }
        if bytes.first == UInt8(ascii: "/") { return "an absolute name" }
        if bytes.contains(0) { return "a name with a NUL byte" }
        if bytes.contains(UInt8(ascii: "\\")) { return "a name with a backslash" }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return "a name with a control character" }
        guard String(validating: bytes, as: UTF8.self) != nil else { return "a name that is not UTF-8" }
        for component in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if component.isEmpty { return "a name with an empty component ('//' or a trailing '/')" }
            if component.elementsEqual([UInt8(ascii: ".")]) { return "a name with a '.' component" }
            if component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                return "a name with a '..' component (it would leave the target)"
            }
            if component.count > maxNameBytes { return "a name with a component longer than \(maxNameBytes) bytes" }
        }
        return nil
    }

    /// Why `path` cannot be extracted, or `nil` when it can (see ``problem(_:)-(some Collection<UInt8>)``).
    public static func problem(of path: String) -> String? {
        problem(Array(path.utf8))
    }
}
