/// The reasoning a model may write before its answer, in tags (DeepSeek-R1, Qwen3 and others
/// behind OpenAI-compatible servers that do not split it out into `reasoning_content`).
enum Reasoning {
    /// The tag names whose blocks are reasoning: `<think>…</think>` and its variants.
    static let tags = ["think", "thinking", "reasoning"]

    private static let openings = tags.map { Array("<\($0)>".utf8) }
    private static let closings = tags.map { Array("</\($0)>".utf8) }

    /// Where the answer begins, past the reasoning at the start of the text.
    ///
    /// Skips `<think>…</think>` blocks (and the other ``tags``) that open the text, one after the
    /// other; or, when the text opens with no tag, everything up to a first `</think>` that no
    /// `<think>` precedes (a chat template that put the opening tag in the prompt).
    ///
    /// - Returns: the offset of the answer (0 when there is no reasoning), or `nil` when a leading
    ///   block never closes: the text is all reasoning.
    static func answerStart(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var position = skipWhitespace(bytes, from: 0)
        var skipped = false
        opening: while true {
            for (opening, closing) in zip(openings, closings) where matches(bytes, opening, at: position) {
                guard let close = find(closing, in: bytes, from: position + opening.count) else { return nil }
                position = skipWhitespace(bytes, from: close + closing.count)
                skipped = true
                continue opening
            }
            break
        }
        if skipped { return position }
        // No leading block: a closing tag with no opening tag before it ends the reasoning.
        var earliest: (close: Int, length: Int)?
        for (opening, closing) in zip(openings, closings) {
            guard let close = find(closing, in: bytes, from: 0), close < earliest?.close ?? Int.max,
                find(opening, in: bytes, from: 0).map({ $0 > close }) ?? true
            else { continue }
            earliest = (close, closing.count)
        }
        return earliest.map { $0.close + $0.length } ?? 0
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func skipWhitespace(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
        return index
    }

    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ pattern: [UInt8], at index: Int) -> Bool {
        guard index + pattern.count <= bytes.count else { return false }
        for offset in 0..<pattern.count where bytes[index + offset] != pattern[offset] { return false }
        return true
    }

    /// The offset of the first occurrence of `pattern` at or after `start`.
    private static func find(_ pattern: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let first = pattern.first else { return nil }
        var index = start
        while index + pattern.count <= bytes.count {
            if bytes[index] == first, matches(bytes, pattern, at: index) { return index }
            index += 1
        }
        return nil
    }
}
