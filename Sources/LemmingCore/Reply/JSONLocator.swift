import LemmingJSON

/// Finds the JSON object in a model reply that wraps it in prose or code fences.
enum JSONLocator {
    /// The most attempts at parsing from a `{` before giving up, so hostile input stays cheap.
    static let maximumAttempts = 64

    enum Outcome: Equatable {
        case object(JSONObject)
        /// Valid JSON, but not an object.
        case notObject(JSONValue)
        case notFound
    }

    static func locate(_ text: String) -> Outcome {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            if let whole = try? JSONParser.parseDocument(buffer) {
                if case .object(let object) = whole { return .object(object) }
                return .notObject(whole)
            }
            // A fenced value that is valid JSON but not an object is reported as such if nothing better is found.
            var fencedNonObject: JSONValue?
            for block in fencedBlocks(buffer) {
                guard let value = try? JSONParser.parseDocument(UnsafeBufferPointer(rebasing: buffer[block])) else {
                    continue
                }
                if case .object(let object) = value { return .object(object) }
                if fencedNonObject == nil { fencedNonObject = value }
            }
            var attempts = 0
            var position = 0
            while position < buffer.count, attempts < maximumAttempts {
                if buffer[position] == UInt8(ascii: "{") {
                    attempts += 1
                    if let (value, _) = JSONParser.parsePrefix(buffer, at: position), case .object(let object) = value {
                        return .object(object)
                    }
                }
                position += 1
            }
            return fencedNonObject.map(Outcome.notObject) ?? .notFound
        }
    }

    /// The content ranges of the ``` fenced blocks, in order.
    static func fencedBlocks(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var blocks: [Range<Int>] = []
        var position = 0
        func isFence(at index: Int) -> Bool {
            index + 2 < bytes.count && bytes[index] == 0x60 && bytes[index + 1] == 0x60 && bytes[index + 2] == 0x60
        }
        while position < bytes.count {
            guard isFence(at: position) else {
                position += 1
                continue
            }
            // Skip the language tag up to the end of the line.
            var start = position + 3
            while start < bytes.count, bytes[start] != 0x0A { start += 1 }
            guard start < bytes.count else { break }
            start += 1
            var end = start
            while end < bytes.count, !isFence(at: end) { end += 1 }
            blocks.append(start..<end)
            position = end + 3
        }
        return blocks
    }
}
