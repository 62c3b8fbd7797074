import LemmingJSON

/// Finds the JSON object that is a model's reply, in text that may wrap it in prose, code fences,
/// reasoning or drafts (DESIGN §5.4).
///
/// The rule, in order:
/// 1. A text that is one strict JSON value is that value (the fast path: most replies).
/// 2. Reasoning at the start is skipped: `<think>…</think>` blocks (also `<thinking>` and
///    `<reasoning>`), or everything up to a first `</think>` that no `<think>` opens (chat templates
///    that put the opening tag in the prompt). A leading reasoning block that never closes leaves no
///    answer. Tags elsewhere are text like any other.
/// 3. The rest is scanned for top-level objects, each read by a tolerant ``JSONParser`` (trailing
///    commas, comments, … are repaired and noted). An object inside another object is never a
///    candidate, and neither is an object inside text that failed to parse.
/// 4. The answer is the **last** *reply-shaped* object, one with a key of the contract
///    (`outbox_entries`, `tool_calls`, `memory_updates`, `notes`): a model that drafts, thinks aloud or
///    corrects itself writes its final answer last ("Draft: {…} Final: {…}").
/// 5. With no reply-shaped object, the first object found is the answer (its unknown keys are then
///    reported field by field).
/// 6. If the text ends inside an object that began after the answer (or there is no answer), the reply
///    was cut off: ``Outcome/truncated``. A missing closing brace is never added.
/// 7. Otherwise a fenced block holding JSON that is not an object is reported as such, and failing
///    that, nothing was found.
///
/// Cost: linear in the text, plus at most ``maximumAttempts`` failed parses (each linear), so hostile
/// input stays cheap.
enum JSONLocator {
    /// The most failed parses from a `{` before giving up.
    static let maximumAttempts = 64

    /// How the answer was found, for the violations that tell the agent.
    struct Found: Equatable {
        /// The defects of model JSON that were repaired in the answer.
        var repairs = JSONRepairs()
        /// Other reply-shaped objects in the text (drafts), not taken.
        var ignoredReplies = 0
    }

    enum Outcome: Equatable {
        case object(JSONObject, Found = Found())
        /// Valid JSON, but not an object.
        case notObject(JSONValue)
        /// The text ends inside the object that would be the reply.
        case truncated
        /// No object; why, in words.
        case notFound(String)
    }

    static let noObject = "no JSON object found in the reply"

    static func locate(_ text: String) -> Outcome {
        var work = 0
        return locate(text, work: &work)
    }

    /// ``locate(_:)``, counting the bytes its parses went through in `work` (for the tests that
    /// check the cost stays linear).
    static func locate(_ text: String, work: inout Int) -> Outcome {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            var strict = JSONParser(bytes: buffer)
            do throws(JSONParseError) {
                let whole = try strict.parseDocument()
                work += buffer.count
                if case .object(let object) = whole { return .object(object, Found(repairs: strict.repairs)) }
                return .notObject(whole)
            } catch {
                work += error.offset + 1
            }
            guard let start = Reasoning.answerStart(buffer) else {
                return .notFound("the reply holds only reasoning: a <think> block that never closes")
            }
            return scan(buffer, from: start, work: &work)
        }
    }

    /// What the scan for top-level objects found.
    private struct Scan {
        var answer: (object: JSONObject, repairs: JSONRepairs, end: Int)?
        var fallback: (object: JSONObject, repairs: JSONRepairs, end: Int)?
        var replies = 0
        var failures = 0
        /// Offsets below this lie inside text that failed to parse.
        var furthestFailure = 0
        /// Where the last object that the end of the text cuts off began.
        var cutOffAt: Int?
        /// The failed parse that got furthest, for the message.
        var worst: (start: Int, error: JSONParseError)?
    }

    private static func scan(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, work: inout Int) -> Outcome {
        var scan = Scan()
        scan.furthestFailure = start
        var position = start
        while scan.failures < maximumAttempts, let open = nextBrace(buffer, from: position) {
            switch JSONParser.parseTolerantPrefix(buffer, at: open) {
            case .success(let found):
                work += found.end - open
                guard case .object(let object) = found.value else { break }
                if isReplyShaped(object) {
                    scan.answer = (object, found.repairs, found.end)
                    scan.replies += 1
                } else if scan.fallback == nil, open >= scan.furthestFailure {
                    scan.fallback = (object, found.repairs, found.end)
                }
                position = found.end
                continue
            case .failure(let error):
                work += error.offset - open + 1
                scan.failures += 1
                if error.offset >= buffer.count, startsAKey(buffer, after: open) { scan.cutOffAt = open }
                scan.furthestFailure = max(scan.furthestFailure, error.offset)
                if scan.worst.map({ error.offset - open > $0.error.offset - $0.start }) ?? true {
                    scan.worst = (open, error)
                }
            }
            position = open + 1
        }
        let answer = scan.answer ?? scan.fallback
        if let cutOffAt = scan.cutOffAt, cutOffAt >= answer?.end ?? start { return .truncated }
        if let answer {
            return .object(answer.object, Found(repairs: answer.repairs, ignoredReplies: max(0, scan.replies - 1)))
        }
        if let value = fencedNonObject(UnsafeBufferPointer(rebasing: buffer[start...])) { return .notObject(value) }
        if let worst = scan.worst {
            return .notFound("no valid JSON object in the reply (\(worst.error), in the object at byte \(worst.start))")
        }
        return .notFound(noObject)
    }

    /// Whether an object has a key of the reply contract.
    static func isReplyShaped(_ object: JSONObject) -> Bool {
        object.keys.contains { ReplyParser.topLevelKeys.contains($0) }
    }

    private static func nextBrace(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while index < buffer.count {
            if buffer[index] == UInt8(ascii: "{") { return index }
            index += 1
        }
        return nil
    }

    /// Whether a quote (a key, begun) follows the `{` at `open`: a lone `{` at the end is not a cut-off reply.
    private static func startsAKey(_ buffer: UnsafeBufferPointer<UInt8>, after open: Int) -> Bool {
        var index = open + 1
        while index < buffer.count, Reasoning.isWhitespace(buffer[index]) { index += 1 }
        guard index < buffer.count else { return false }
        return buffer[index] == UInt8(ascii: "\"") || buffer[index] == UInt8(ascii: "'") || buffer[index] == 0xE2
    }

    /// The first fenced block that holds valid JSON that is not an object.
    private static func fencedNonObject(_ buffer: UnsafeBufferPointer<UInt8>) -> JSONValue? {
        for block in fencedBlocks(buffer) {
            if let value = try? JSONParser.parseDocument(UnsafeBufferPointer(rebasing: buffer[block])),
                value.objectValue == nil
            {
                return value
            }
        }
        return nil
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
