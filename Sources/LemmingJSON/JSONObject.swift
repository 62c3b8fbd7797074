/// A JSON object that remembers the order in which its keys were first set.
///
/// Iteration follows insertion order, so a document read and written back keeps its layout, and
/// objects built in code serialise in the order they were built. Small objects (most of them)
/// are searched linearly, which is faster than hashing; past ``indexThreshold`` keys a hash index
/// is kept. Equality and hashing ignore key order.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    static let indexThreshold = 12

    private var pairs: [(key: String, value: JSONValue)] = []
    private var index: [String: Int]?

    public init() {}

    /// Creates an object from pairs; a repeated key keeps its first position and its last value.
    public init(_ pairs: [(String, JSONValue)]) {
        self.pairs.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    public var count: Int { pairs.count }
    public var isEmpty: Bool { pairs.isEmpty }
    public var keys: [String] { pairs.map(\.key) }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        for position in pairs.indices where pairs[position].key == key { return position }
        return nil
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { pairs[$0].value } }
        set {
            if let newValue {
                if let existing = position(of: key) {
                    pairs[existing].value = newValue
                } else {
                    pairs.append((key, newValue))
                    if index != nil {
                        index?[key] = pairs.count - 1
                    } else if pairs.count > Self.indexThreshold {
                        rebuildIndex()
                    }
                }
            } else if let existing = position(of: key) {
                pairs.remove(at: existing)
                if index != nil { rebuildIndex() }
            }
        }
    }

    private mutating func rebuildIndex() {
        var built: [String: Int] = [:]
        built.reserveCapacity(pairs.count)
        for (position, pair) in pairs.enumerated() { built[pair.key] = position }
        index = built
    }

    public func contains(_ key: String) -> Bool { position(of: key) != nil }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        pairs.makeIterator()
    }

    /// The object without the given keys, order kept.
    public func removing(_ removed: Set<String>) -> JSONObject {
        var copy = JSONObject()
        for pair in pairs where !removed.contains(pair.key) { copy[pair.key] = pair.value }
        return copy
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for pair in lhs.pairs where rhs[pair.key] != pair.value { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-insensitive: combine the members' hashes commutatively.
        var combined = 0
        for pair in pairs {
            var member = Hasher()
            member.combine(pair.key)
            member.combine(pair.value)
            combined &+= member.finalize()
        }
        hasher.combine(pairs.count)
        hasher.combine(combined)
    }
}
