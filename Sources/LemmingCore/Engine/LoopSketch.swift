import LemmingJSON

/// The words of a turn as a small, comparable sketch, for loop detection.
///
/// A text becomes the set of its words (lowercased runs of letters and digits, `-` and `_` kept
/// inside; entry ids and one-character words dropped), each hashed with 32-bit FNV-1a. A sketch keeps
/// the ``size`` smallest hashes (a bottom-k sample): exact for short texts, a uniform sample of long
/// ones, and two texts' sketches estimate how alike the texts are (``similarity(_:_:)``). Hashes are
/// stable across runs and machines. Sets of hashes are sorted arrays without duplicates (``set(_:)``),
/// which is cheaper than `Set` at these sizes.
enum LoopSketch {
    /// The most hashes a sketch keeps.
    static let size = 16

    /// The hashes of the words of `text`, appended to `hashes` (unsorted; see ``set(_:)``).
    static func addWords(of text: String, to hashes: inout [UInt32]) {
        var text = text
        text.withUTF8 { addWords(of: $0, to: &hashes) }
    }

    private static func addWords(of bytes: UnsafeBufferPointer<UInt8>, to hashes: inout [UInt32]) {
        var word: [UInt8] = []
        word.reserveCapacity(32)
        hashes.reserveCapacity(hashes.count + bytes.count / 4)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): word.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): word.append(byte + 32)
            case UInt8(ascii: "-") where !word.isEmpty, UInt8(ascii: "_") where !word.isEmpty: word.append(byte)
            case 0xC0...0xFF:
                // A scalar beyond ASCII: a letter (lowercased) is part of a word, anything else ends it.
                let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                var value = UInt32(byte) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
                var count = 1
                while count < length, index < bytes.count, bytes[index] & 0xC0 == 0x80 {
                    value = value << 6 | UInt32(bytes[index] & 0x3F)
                    index += 1
                    count += 1
                }
                if let scalar = Unicode.Scalar(value), scalar.properties.isAlphabetic {
                    word.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
                } else {
                    finish(&word, into: &hashes)
                }
            default:
                finish(&word, into: &hashes)
            }
        }
        finish(&word, into: &hashes)
    }

    /// Hashes a finished word into `hashes` (unless it is one character or an entry id) and empties it.
    private static func finish(_ word: inout [UInt8], into hashes: inout [UInt32]) {
        while let last = word.last, last == UInt8(ascii: "-") || last == UInt8(ascii: "_") { word.removeLast() }
        if word.count > 1 {
            // Only a word with a dash can be an entry id (`00000012-bob-01`).
            let isEntryID =
                word.contains(UInt8(ascii: "-")) && EntryID(String(decoding: word, as: UTF8.self)) != nil
            if !isEntryID { hashes.append(hash(word)) }
        }
        word.removeAll(keepingCapacity: true)
    }

    /// The hash of an item that is not words (a tool call, a memory update).
    static func hash(item value: JSONValue, prefix: String) -> UInt32 {
        hash(Array(prefix.utf8) + JSONWriter(style: .compact).bytes(value))
    }

    /// 32-bit FNV-1a.
    static func hash(_ bytes: [UInt8]) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return hash
    }

    /// `hashes` sorted, without duplicates.
    static func set(_ hashes: [UInt32]) -> [UInt32] {
        var sorted = hashes.sorted()
        var kept = 0
        for index in sorted.indices where kept == 0 || sorted[index] != sorted[kept - 1] {
            sorted[kept] = sorted[index]
            kept += 1
        }
        sorted.removeLast(sorted.count - kept)
        return sorted
    }

    /// Whether the sorted `set` holds `hash`.
    static func contains(_ set: [UInt32], _ hash: UInt32) -> Bool {
        var low = 0
        var high = set.count
        while low < high {
            let middle = (low + high) / 2
            if set[middle] < hash { low = middle + 1 } else { high = middle }
        }
        return low < set.count && set[low] == hash
    }

    /// The ``size`` smallest hashes of a set.
    static func sample(_ set: [UInt32]) -> [UInt32] {
        Array(set.prefix(size))
    }

    /// The union of two sets, a set.
    static func union(_ first: [UInt32], _ second: [UInt32]) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(first.count + second.count)
        var i = 0
        var j = 0
        while i < first.count || j < second.count {
            let next: UInt32
            if j == second.count || (i < first.count && first[i] <= second[j]) {
                next = first[i]
                i += 1
            } else {
                next = second[j]
                j += 1
            }
            if result.last != next { result.append(next) }
        }
        return result
    }

    /// How alike two sketches are: the Jaccard similarity of their texts' words, estimated from
    /// the smallest hashes of their union (exact when both texts are short). Two empty sketches are
    /// alike (1).
    static func similarity(_ first: [UInt32], _ second: [UInt32]) -> Double {
        let union = sample(union(first, second))
        guard !union.isEmpty else { return 1 }
        let shared = union.filter { contains(first, $0) && contains(second, $0) }.count
        return Double(shared) / Double(union.count)
    }

    /// Whether the set `hashes` (a turn's whole set) brings enough that the set `known` does not
    /// hold: at least `minimum` new words when the text is short, or a quarter of its sketch when it
    /// is long.
    static func isNew(_ hashes: [UInt32], comparedWith known: [UInt32], minimum: Int) -> Bool {
        let fresh = sample(hashes).filter { !contains(known, $0) }.count
        return hashes.count <= size ? fresh >= minimum : fresh * 4 >= size
    }

    /// Hex text of hashes, 8 digits each (for `state/agents.json`).
    static func encode(_ hashes: [UInt32]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hashes.count * 8)
        for value in hashes {
            for shift in stride(from: 28, through: 0, by: -4) {
                bytes.append(digits[Int(value >> UInt32(shift) & 0xF)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The hashes of ``encode(_:)``'s text, as a set; malformed text gives what could be read.
    static func decode(_ text: String) -> [UInt32] {
        let bytes = Array(text.utf8)
        var hashes: [UInt32] = []
        var index = 0
        while index + 8 <= bytes.count, hashes.count < size * 2 {
            guard let value = UInt32(String(decoding: bytes[index..<index + 8], as: UTF8.self), radix: 16) else {
                break
            }
            hashes.append(value)
            index += 8
        }
        return set(hashes)
    }
}
