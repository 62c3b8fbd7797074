/// Token counts estimated from text length (about four bytes a token), for budgets and for
/// providers that report no usage.
public enum TokenEstimator {
    /// The estimated tokens of `text`: its UTF-8 bytes divided by 4, rounded up.
    public static func tokens(in text: String) -> Int { (text.utf8.count + 3) / 4 }

    /// The estimated tokens of a request's messages: each message's text plus 4 for its framing.
    public static func tokens(in messages: [ChatMessage]) -> Int {
        messages.reduce(0) { $0 + tokens(in: $1.content) + 4 }
    }
}
