/// The words of a turn as a small, comparable sketch, for loop detection.
///
/// A text becomes the set of its words (lowercased runs of letters and digits, `-` and `_` kept
/// inside; entry ids and one-character words dropped), each hashed with 32-bit FNV-1a. A sketch keeps
/// the ``size`` smallest hashes (a bottom-k sample): exact for short texts, a uniform sample of long
/// ones, and two texts' sketches estimate how alike the texts are (``similarity(_:_:)``). Hashes are
/// stable across runs and machines.
enum LoopSketch {
    /// The most hashes a sketch keeps.
    static let size = 16

    /// The hashes of the words of `text`, added to `hashes`.
    static func addWords(of text: String, to hashes: inout Set<UInt32>) {
        var word: [UInt8] = []
        func flush() {
            defer { word.removeAll(keepingCapacity: true) }
            while let last = word.last, last == UInt8(ascii: "-") || last == UInt8(ascii: "_") { word.removeLast() }
            guard word.count > 1 else { return }
            let text = String(decoding: word, as: UTF8.self)
            guard EntryID(text) == nil else { return }
            hashes.insert(hash(word))
        }
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                let byte = UInt8(scalar.value)
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): word.append(byte)
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): word.append(byte + 32)
                case UInt8(ascii: "-") where !word.isEmpty, UInt8(ascii: "_") where !word.isEmpty: word.append(byte)
                default: flush()
                }
            } else if scalar.properties.isAlphabetic {
                word.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
            } else {
                flush()
            }
        }
        flush()
    }

    /// The hash of an item that is not words (a tool call, a memory update), as text.
    static func hash(item text: String) -> UInt32 { hash(Array(text.utf8)) }

    /// 32-bit FNV-1a.
    static func hash(_ bytes: [UInt8]) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return hash
    }

    /// The ``size`` smallest hashes, sorted.
    static func sample(_ hashes: Set<UInt32>) -> [UInt32] {
        Array(hashes.sorted().prefix(size))
    }

    /// How alike two sketches are: the Jaccard similarity of their texts' words, estimated from
    /// the smallest hashes of their union (exact when both texts are short). Two empty sketches are
    /// alike (1).
    static func similarity(_ first: [UInt32], _ second: [UInt32]) -> Double {
        let union = Array(Set(first).union(second).sorted().prefix(size))
        guard !union.isEmpty else { return 1 }
        let a = Set(first)
        let b = Set(second)
        let shared = union.filter { a.contains($0) && b.contains($0) }.count
        return Double(shared) / Double(union.count)
    }

    /// Whether `hashes` (a turn's whole set) brings enough that `known` does not hold: at least
    /// `minimum` new words when the text is short, or a quarter of its sketch when it is long.
    static func isNew(_ hashes: Set<UInt32>, comparedWith known: Set<UInt32>, minimum: Int) -> Bool {
        let fresh = sample(hashes).filter { !known.contains($0) }.count
        return hashes.count <= size ? fresh >= minimum : fresh * 4 >= size
    }

    /// Hex text of hashes, 8 digits each (for `state/agents.json`).
    static func encode(_ hashes: [UInt32]) -> String {
        var text = ""
        text.reserveCapacity(hashes.count * 8)
        for value in hashes {
            let digits = String(value, radix: 16)
            text += String(repeating: "0", count: 8 - digits.count) + digits
        }
        return text
    }

    /// The hashes of ``encode(_:)``'s text; malformed text gives what could be read.
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
        return hashes
    }
}
