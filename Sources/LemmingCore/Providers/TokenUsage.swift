import LemmingJSON

/// Tokens used by a call, as the provider reported them (or as estimated when it did not).
public struct TokenUsage: Sendable, Equatable {
    public var inputTokens: Int
    public var outputTokens: Int
    /// The provider reported nothing; the numbers come from ``TokenEstimator``.
    public var isEstimated: Bool

    public init(inputTokens: Int, outputTokens: Int, isEstimated: Bool = false) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.isEstimated = isEstimated
    }

    public static let zero = TokenUsage(inputTokens: 0, outputTokens: 0)

    /// The tokens of two calls together (estimated when either was).
    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(
            inputTokens: lhs.inputTokens + rhs.inputTokens, outputTokens: lhs.outputTokens + rhs.outputTokens,
            isEstimated: lhs.isEstimated || rhs.isEstimated)
    }

    public var json: JSONValue {
        ["input_tokens": .int(inputTokens), "output_tokens": .int(outputTokens), "estimated": .bool(isEstimated)]
    }
}
