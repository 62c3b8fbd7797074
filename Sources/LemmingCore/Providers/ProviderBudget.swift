import LemmingJSON

/// The rate-limit budget of one model at one endpoint, as `lemming status` and `GET /api/status`
/// show it: the limits set and stated, what the last minute leaves, the calls waiting, and what
/// the server last said.
public struct ProviderBudget: Sendable, Equatable {
    /// One limit as the server last stated it in its headers.
    public struct Reported: Sendable, Equatable {
        /// The limit per minute the server stated (`x-ratelimit-limit-*`); `nil`: not stated.
        public var limit: Int?
        /// What it said is left of it now; `nil`: not stated.
        public var remaining: Int?
        /// When the server said the limit is whole again (a timestamp).
        public var resetAt: String?

        /// A report with whatever the server stated.
        public init(limit: Int? = nil, remaining: Int? = nil, resetAt: String? = nil) {
            self.limit = limit
            self.remaining = remaining
            self.resetAt = resetAt
        }

        /// `{"limit", "remaining", "reset_at"}`, `null` for what was not stated.
        public var json: JSONValue {
            [
                "limit": limit.map(JSONValue.int) ?? .null, "remaining": remaining.map(JSONValue.int) ?? .null,
                "reset_at": .optional(resetAt),
            ]
        }

        init(json value: JSONValue) {
            self.init(
                limit: value["limit"]?.intValue, remaining: value["remaining"]?.intValue,
                resetAt: value["reset_at"]?.stringValue)
        }
    }

    /// The provider-side model id.
    public var model: String
    /// `rpm` and `tpm` as `models.json` sets them (the lowest of the entries that share the model).
    public var requestsPerMinute: Int?
    /// The `tpm` of `models.json` (tokens per minute), as for ``requestsPerMinute``.
    public var tokensPerMinute: Int?
    /// The limits calls are paced by: the lower of `models.json`'s and the server's.
    public var requestLimit: Int?
    /// Tokens per minute calls are paced by: the lower of `tpm` and the server's limit.
    public var tokenLimit: Int?
    /// What the last minute leaves of those limits now.
    public var requestsRemaining: Int?
    /// Tokens the last minute leaves of ``tokenLimit`` now.
    public var tokensRemaining: Int?
    /// Calls waiting for room now.
    public var waiting: Int
    /// No call goes before this time: the server said a limit is used up (`remaining: 0`).
    public var closedUntil: String?
    /// Calls that had to wait so far, and the seconds they waited in all.
    public var waits: Int
    /// The seconds those calls waited in all.
    public var waitedSeconds: Double
    /// The server's last report, by limit (`requests`, `tokens`, `input_tokens`, `output_tokens`).
    public var reported: [String: Reported]
    /// When that report came.
    public var reportedAt: String?

    /// A budget of `model`; every other part defaults to unknown or zero.
    public init(
        model: String, requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, requestLimit: Int? = nil,
        tokenLimit: Int? = nil, requestsRemaining: Int? = nil, tokensRemaining: Int? = nil, waiting: Int = 0,
        closedUntil: String? = nil, waits: Int = 0, waitedSeconds: Double = 0, reported: [String: Reported] = [:],
        reportedAt: String? = nil
    ) {
        self.model = model
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.requestLimit = requestLimit
        self.tokenLimit = tokenLimit
        self.requestsRemaining = requestsRemaining
        self.tokensRemaining = tokensRemaining
        self.waiting = waiting
        self.closedUntil = closedUntil
        self.waits = waits
        self.waitedSeconds = waitedSeconds
        self.reported = reported
        self.reportedAt = reportedAt
    }

    /// The budget as `state/providers.json` and `GET /api/status` show it (snake_case keys).
    public var json: JSONValue {
        var reportedObject = JSONObject()
        for name in reported.keys.sorted() { reportedObject[name] = reported[name]?.json }
        return [
            "model": .string(model), "rpm": requestsPerMinute.map(JSONValue.int) ?? .null,
            "tpm": tokensPerMinute.map(JSONValue.int) ?? .null,
            "request_limit": requestLimit.map(JSONValue.int) ?? .null,
            "token_limit": tokenLimit.map(JSONValue.int) ?? .null,
            "requests_remaining": requestsRemaining.map(JSONValue.int) ?? .null,
            "tokens_remaining": tokensRemaining.map(JSONValue.int) ?? .null, "waiting": .int(waiting),
            "closed_until": .optional(closedUntil), "waits": .int(waits), "waited_seconds": .double(waitedSeconds),
            "reported": .object(reportedObject), "reported_at": .optional(reportedAt),
        ]
    }

    /// Reads ``json``; `nil` when `model` is missing.
    public init?(json value: JSONValue) {
        guard let model = value["model"]?.stringValue else { return nil }
        var reported: [String: Reported] = [:]
        for (name, limit) in value["reported"]?.objectValue ?? [:] { reported[name] = Reported(json: limit) }
        self.init(
            model: model, requestsPerMinute: value["rpm"]?.intValue, tokensPerMinute: value["tpm"]?.intValue,
            requestLimit: value["request_limit"]?.intValue, tokenLimit: value["token_limit"]?.intValue,
            requestsRemaining: value["requests_remaining"]?.intValue,
            tokensRemaining: value["tokens_remaining"]?.intValue, waiting: value["waiting"]?.intValue ?? 0,
            closedUntil: value["closed_until"]?.stringValue, waits: value["waits"]?.intValue ?? 0,
            waitedSeconds: value["waited_seconds"]?.doubleValue ?? 0, reported: reported,
            reportedAt: value["reported_at"]?.stringValue)
    }
}
