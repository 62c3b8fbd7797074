import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore

/// Every violation code the parser can emit (ReplyParser.swift).
private let knownCodes: Set<String> = [
    "reply_too_large", "not_object", "not_json", "unknown_field", "invalid_field", "too_many_entries",
    "too_many_tool_calls", "too_many_memory_updates", "invalid_notes", "notes_too_long", "invalid_entry",
    "payload_shape", "invalid_kind", "invalid_recipients", "invalid_priority", "invalid_reply_to", "invalid_tags",
    "invalid_meta", "entry_too_large", "invalid_tool_call", "invalid_memory_key", "invalid_memory_op",
    "invalid_memory_update", "memory_merge_type", "truncated", "json_repaired", "several_objects", "args_shape",
    "tool_call_shape", "too_deep",
]

/// Pieces that a model reply (or a broken one) is made of.
private let fragments: [String] = [
    "{", "}", "[", "]", ":", ",", "\"", "\\", "```", "```json\n", "\n", " ", "null", "true", "false", "0", "-1",
    "1e999", "3.5", "\"outbox_entries\"", "\"tool_calls\"", "\"memory_updates\"", "\"notes\"", "\"payload\"",
    "\"text\"", "\"to\"", "\"kind\"", "\"priority\"", "\"urgent\"", "\"reply_to\"", "\"tags\"", "\"meta\"",
    "\"key\"", "\"op\"", "\"value\"", "\"merge\"", "\"append\"", "\"delete\"", "\"tool\"", "\"args\"", "\"a\"",
    "\"../x\"", "\"00000001-human-01\"", "\"\\ud800\"", "\"\\u00e9\"", "é", "😀", "\u{0}", "\u{FFFD}", "Sure!",
    // The defects of model JSON and the text around answers.
    ",]", ",}", "//", "/*", "*/", "#", "'", "“", "”", "True", "False", "None", "\\'", "<think>", "</think>",
    "Draft:", "\"function\"", "\"name\"", "\"arguments\"", "\"{\\\"path\\\": \\\"a\\\"}\"",
]

private let validReply = #"""
    {"outbox_entries": [{"kind": "report", "payload": {"text": "hi"}, "to": ["a", "b"], "priority": "urgent",
      "reply_to": "00000001-human-01", "tags": ["t"], "meta": {"m": 1}}, {"text": "short"}],
     "tool_calls": [{"tool": "file_write", "args": {"path": "x", "content": "y"}}],
     "memory_updates": [{"key": "plan", "op": "merge", "value": {"s": 1}}, {"key": "k", "op": "delete"}],
     "notes": "n"}
    """#

private func randomScalar(_ generator: inout SeededGenerator) -> Character {
    switch Int.random(in: 0..<4, using: &generator) {
    case 0: return Character(Unicode.Scalar(UInt8.random(in: 0...0x7F, using: &generator)))
    case 1: return Character(Unicode.Scalar(UInt32.random(in: 0x80...0xD7FF, using: &generator)) ?? "?")
    case 2: return Character(Unicode.Scalar(UInt32.random(in: 0x1_0000...0x10_FFFF, using: &generator)) ?? "?")
    default: return Character(Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &generator)))
    }
}

private func garbage(_ generator: inout SeededGenerator) -> String {
    var text = ""
    let pieces = Int.random(in: 0..<60, using: &generator)
    for _ in 0..<pieces {
        if Bool.random(using: &generator) {
            text += fragments.randomElement(using: &generator) ?? ""
        } else {
            text.append(randomScalar(&generator))
        }
    }
    return text
}

private func mutated(_ generator: inout SeededGenerator) -> String {
    var characters = Array(validReply)
    for _ in 0..<Int.random(in: 1...6, using: &generator) {
        guard !characters.isEmpty else { break }
        let position = Int.random(in: 0..<characters.count, using: &generator)
        switch Int.random(in: 0..<3, using: &generator) {
        case 0: characters.remove(at: position)
        case 1: characters.insert(contentsOf: fragments.randomElement(using: &generator) ?? "", at: position)
        default: characters[position] = randomScalar(&generator)
        }
    }
    return String(characters)
}

/// Checks the invariants every parse result must hold, whatever the input.
private func expectWellFormed(_ reply: ParsedReply, limits: OrgConfig.ReplyLimits, input: String) {
    let parser = ReplyParser(limits: limits)
    #expect(reply.entries.count <= limits.maxEntriesPerTurn)
    #expect(reply.toolCalls.count <= limits.maxToolCallsPerTurn)
    #expect(reply.memoryUpdates.count <= limits.maxMemoryUpdatesPerTurn)
    for entry in reply.entries {
        #expect(Names.isValidKind(entry.kind), "\(input)")
        if let recipients = entry.recipients {
            #expect(!recipients.isEmpty)
            #expect(recipients.allSatisfy(Names.isValidAgentName))
            #expect(Set(recipients).count == recipients.count)
        }
        if let replyTo = entry.replyTo { #expect(EntryID(replyTo) != nil) }
        #expect(entry.tags.count <= 16)
        #expect(entry.tags.allSatisfy { !$0.isEmpty && $0.count <= 64 })
        #expect(JSONWriter(style: .compact).bytes(entry.json).count <= limits.maxEntryBytes)
    }
    for call in reply.toolCalls {
        #expect(ResumeSpec.Pattern.toolName.matches(call.tool))
    }
    for update in reply.memoryUpdates {
        #expect(Names.isValidMemoryKey(update.key))
        if update.operation == .merge { #expect(update.value.objectValue != nil) }
    }
    if let notes = reply.notes { #expect(notes.count <= parser.maxNotesCharacters) }
    for violation in reply.violations {
        #expect(knownCodes.contains(violation.code), "unexpected code \(violation.code)")
        #expect(!violation.message.isEmpty)
    }
    if reply.codes.contains(where: { ["not_json", "not_object", "reply_too_large", "truncated"].contains($0) }) {
        #expect(reply.violations.count == 1)
        #expect(!reply.hasActions)
        #expect(reply.notes == nil)
    }
    // The result serialises to JSON that reads back.
    #expect(throws: Never.self) { try JSONValue.parse(reply.json.compactText) }
    // Same input, same result.
    #expect(parser.parse(input) == reply)
}

@Test(arguments: [1, 2, 3, 4] as [UInt64])
func randomGarbageNeverTrapsAndGivesAWellFormedResult(seed: UInt64) {
    var generator = SeededGenerator(seed: seed)
    var limits = OrgConfig.ReplyLimits()
    limits.maxEntriesPerTurn = 2
    limits.maxToolCallsPerTurn = 1
    limits.maxMemoryUpdatesPerTurn = 1
    limits.maxEntryBytes = 256
    for _ in 0..<400 {
        let text = garbage(&generator)
        let reply = ReplyParser(limits: limits).parse(text)
        expectWellFormed(reply, limits: limits, input: text)
        if reply.violations.isEmpty, !reply.hasActions, reply.notes == nil {
            // Nothing to report means an object with nothing in it was found.
            #expect(text.contains("{"))
        }
    }
}

@Test(arguments: [11, 12, 13, 14] as [UInt64])
func mutatedValidRepliesNeverTrapAndGiveAWellFormedResult(seed: UInt64) {
    var generator = SeededGenerator(seed: seed)
    let limits = OrgConfig.ReplyLimits()
    #expect(ReplyParser(limits: limits).parse(validReply).violations.map(\.code) == ["payload_shape"])
    var parsedSomething = 0
    for _ in 0..<400 {
        let text = mutated(&generator)
        let reply = ReplyParser(limits: limits).parse(text)
        expectWellFormed(reply, limits: limits, input: text)
        if reply.hasActions { parsedSomething += 1 }
    }
    // Mutations are small, so a good share of replies still carry actions: the generator is not
    // accidentally producing only unparseable text.
    #expect(parsedSomething > 40)
}

@Test func randomBytesDecodedLossilyNeverTrap() throws {
    var generator = SeededGenerator(seed: 99)
    let limits = OrgConfig.ReplyLimits()
    for _ in 0..<300 {
        let count = Int.random(in: 0..<200, using: &generator)
        let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let text = String(decoding: bytes, as: UTF8.self)
        expectWellFormed(ReplyParser(limits: limits).parse(text), limits: limits, input: text)
        // The raw bytes go to the JSON parser too: an error or a value, never a trap.
        if let value = try? JSONValue.parse(bytes) {
            #expect(try JSONValue.parse(value.compactText) == value)
        }
    }
}

// MARK: - Cost

/// Texts built to make a naive locator do quadratic work: nested or unclosed values, strings that
/// swallow the rest, many small objects, reasoning that never closes.
private func hostile(_ family: Int, _ count: Int) -> String {
    switch family {
    case 0: return String(repeating: #"{"a":"#, count: count)
    case 1: return String(repeating: "{x ", count: count)
    case 2: return #"{"a": ""# + String(repeating: "{", count: count)
    case 3: return String(repeating: "{'", count: count)
    case 4: return String(repeating: "{}", count: count) + #"{"notes": "x"}"#
    case 5: return String(repeating: #"{"notes": "x"} "#, count: count)
    case 6: return String(repeating: #"{"outbox_entries": [{"text": ""#, count: count)
    case 7: return "<think>" + String(repeating: #"{"notes": "x"}"#, count: count)
    case 8: return String(repeating: "/*{", count: count)
    case 9: return String(repeating: #"{"a": [1,,"#, count: count)
    case 10: return String(repeating: "{“a", count: count)
    case 11: return String(repeating: "[", count: count) + String(repeating: #"{"a":1},"#, count: count)
    case 12: return "{" + String(repeating: #""k": {"#, count: count)
    default: return String(repeating: #"{"tool_calls": [{"tool": "t", "args": "{\"a\": 1}"}]} "#, count: count)
    }
}

@Test(arguments: 0...13)
func hostileRepliesCostWorkLinearInTheirLength(family: Int) {
    for count in [500, 4_000] {
        let text = hostile(family, count)
        var work = 0
        _ = JSONLocator.locate(text, work: &work)
        // The fast path, then at most `maximumAttempts` failed parses and disjoint successful ones.
        #expect(work <= (JSONLocator.maximumAttempts + 2) * text.utf8.count, "family \(family), \(count) units")
        expectWellFormed(
            ReplyParser(limits: OrgConfig.ReplyLimits()).parse(text), limits: OrgConfig.ReplyLimits(), input: text)
    }
}

@Test func nestedObjectsAreParsedOnceEach() {
    // Deep objects after prose: a locator that re-parsed the objects inside a found one would do
    // quadratic work (150 levels: about 75 times more).
    let deep = String(repeating: #"{"notes": "#, count: 150) + "1" + String(repeating: "}", count: 150)
    let text = "Sure: " + String(repeating: deep + " and ", count: 20)
    var work = 0
    _ = JSONLocator.locate(text, work: &work)
    #expect(work <= 3 * text.utf8.count)
}
