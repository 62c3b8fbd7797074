import LemmingJSON

/// Recognises an agent that keeps doing the same thing (DESIGN §5.5).
///
/// A turn's *fingerprint* covers its entries (kind, recipients and text with case and spacing
/// normalised, so near-identical texts match) and its tool calls (name and arguments). Turns that
/// do nothing neither extend nor break a streak.
public struct LoopDetector: Sendable {
    /// Turns in a row with the same fingerprint that count as a loop; 0 disables detection.
    public var repeatLimit: Int

    public init(repeatLimit: Int) {
        self.repeatLimit = repeatLimit
    }

    /// The fingerprint of a reply's actions, or `nil` when it has none.
    public static func fingerprint(_ reply: ParsedReply) -> String? {
        guard reply.hasActions else { return nil }
        var text = ""
        for entry in reply.entries {
            text += "e|\(entry.kind)|\(entry.recipients?.joined(separator: ",") ?? "*")|\(normalise(entry.payload))\n"
        }
        for call in reply.toolCalls {
            text += "t|\(call.tool)|\(JSONValue.object(call.arguments).compactText)\n"
        }
        for update in reply.memoryUpdates {
            text += "m|\(update.key)|\(update.operation.rawValue)|\(update.value.compactText)\n"
        }
        return fnv1a(text)
    }

    private static func normalise(_ payload: JSONObject) -> String {
        let text = payload["text"]?.stringValue ?? JSONValue.object(payload).compactText
        return text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
            .joined(separator: " ")
    }

    /// 64-bit FNV-1a, hex: stable across runs and machines (unlike `Hasher`).
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Updates a runtime's streak with a turn's fingerprint.
    ///
    /// - Returns: `true` when the streak reached the limit (a loop).
    public func record(_ fingerprint: String?, in runtime: inout AgentRuntime) -> Bool {
        guard let fingerprint else { return false }
        if runtime.repeatFingerprint == fingerprint {
            runtime.repeatCount += 1
        } else {
            runtime.repeatFingerprint = fingerprint
            runtime.repeatCount = 1
        }
        return repeatLimit > 0 && runtime.repeatCount >= repeatLimit
    }
}
