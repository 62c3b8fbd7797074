/// 64-bit FNV-1a: a fast hash that is stable across runs, processes and machines (unlike
/// `Hasher`), for fingerprints written to files. Not for security.
package enum FNV1a {
    package static func hash<Bytes: Sequence>(_ bytes: Bytes, into hash: inout UInt64) where Bytes.Element == UInt8 {
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
    }

    package static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325

    /// The hash of `text`'s UTF-8 bytes as 16 hex digits.
    package static func hex(_ text: String) -> String {
        var hash = offsetBasis
        self.hash(text.utf8, into: &hash)
        return hex(hash)
    }

    package static func hex(_ hash: UInt64) -> String {
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
