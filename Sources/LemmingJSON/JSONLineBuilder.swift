/// Writes one compact JSON object member by member, without building a ``JSONValue`` tree first.
///
/// For the hot paths that write the same shape over and over (turn records); the output is what
/// ``JSONWriter`` in the compact style gives for the equivalent object.
package struct JSONLineBuilder {
    package private(set) var bytes: [UInt8] = []
    /// For each open container, whether it already has a member.
    private var hasMembers: [Bool] = []
    private let writer = JSONWriter(style: .compact)

    package init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    /// Opens an object: the top-level one, or an element of the open array.
    package mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        hasMembers.append(false)
    }

    package mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        hasMembers.removeLast()
    }

    /// Opens an array member.
    package mutating func beginArray(_ key: String) {
        self.key(key)
        bytes.append(UInt8(ascii: "["))
        hasMembers.append(false)
    }

    package mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        hasMembers.removeLast()
    }

    package mutating func member(_ key: String, _ value: JSONValue) {
        self.key(key)
        writer.write(value, into: &bytes)
    }

    /// A member whose value is already serialised JSON.
    package mutating func member(_ key: String, raw: [UInt8]) {
        self.key(key)
        bytes.append(contentsOf: raw)
    }

    /// An object member whose members `body` writes.
    package mutating func object(_ key: String, _ body: (inout JSONLineBuilder) -> Void) {
        self.key(key)
        bytes.append(UInt8(ascii: "{"))
        hasMembers.append(false)
        body(&self)
        endObject()
    }

    private mutating func key(_ key: String) {
        separate()
        JSONWriter.writeString(key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func separate() {
        guard let last = hasMembers.indices.last else { return }
        if hasMembers[last] { bytes.append(UInt8(ascii: ",")) }
        hasMembers[last] = true
    }
}
