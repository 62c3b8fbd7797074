import LemmingCore

extension LemmingError.Code {
    /// An archive entry that could write outside its target, or that is not a plain file or folder
    /// (a symbolic link, a device, a name with `..`, an absolute name, a NUL or a backslash).
    public static let unsafeArchive = LemmingError.Code("unsafe_archive")
    /// An archive over the import limits: too many entries or too many bytes once extracted.
    public static let archiveTooLarge = LemmingError.Code("archive_too_large")
    /// Not a LeMMing archive, or one whose content does not match its manifest (a missing,
    /// extra or altered file, a bad checksum, a damaged zip).
    public static let invalidArchive = LemmingError.Code("invalid_archive")
}
