/// Token counts estimated from text length (about four bytes a token), for budgets and for
/// providers that report no usage.
public enum TokenEstimator {
    public static func tokens(in text: String) -> Int { (text.utf8.count + 3) / 4 }

    public static func tokens(in messages: [ChatMessage]) -> Int {
        messages.reduce(0) { $0 + tokens(in: $1.content) + 4 }
    }
}
