import LemmingJSON

/// One agent's credits (DESIGN §4.4).
public struct LedgerAccount: Sendable, Equatable {
    /// Credits left to spend (`balance`).
    public var balance: Double
    /// Credits spent in all (`spent`).
    public var spent = 0.0
    /// Credits held by calls in flight; always 0 between ticks.
    public var reserved = 0.0
    /// Input tokens of every call charged (`tokens_in`).
    public var tokensIn = 0
    /// Output tokens of every call charged (`tokens_out`).
    public var tokensOut = 0
    /// Of ``tokensIn``, those the provider read from its prompt cache (as far as it reported).
    public var tokensCacheRead = 0
    /// Of ``tokensIn``, those the provider wrote to its prompt cache (as far as it reported).
    public var tokensCacheWrite = 0
    /// Turns charged (`turns`).
    public var turns = 0
    /// The soft-cap warning was given (`soft_cap_warned`); it is given once, cleared by a top-up above the cap.
    public var softCapWarned = false
    /// A `budget_exhausted` status entry was posted; cleared by a top-up.
    public var exhaustionNotified = false

    /// An account holding `balance` credits, nothing spent.
    public init(balance: Double) {
        self.balance = balance
    }

    /// The account's object in `state/ledger.json` (DESIGN §4.4's keys).
    public var json: JSONValue {
        var object = JSONObject()
        object["balance"] = .double(balance)
        object["spent"] = .double(spent)
        object["reserved"] = .double(reserved)
        object["tokens_in"] = .int(tokensIn)
        object["tokens_out"] = .int(tokensOut)
        // Only once a provider reported its cache: ledgers of orgs without caching stay as they were.
        if tokensCacheRead > 0 { object["tokens_cache_read"] = .int(tokensCacheRead) }
        if tokensCacheWrite > 0 { object["tokens_cache_write"] = .int(tokensCacheWrite) }
        object["turns"] = .int(turns)
        object["soft_cap_warned"] = .bool(softCapWarned)
        object["exhaustion_notified"] = .bool(exhaustionNotified)
        return .object(object)
    }

    init(json object: JSONObject) {
        balance = object["balance"]?.doubleValue ?? 0
        spent = object["spent"]?.doubleValue ?? 0
        reserved = object["reserved"]?.doubleValue ?? 0
        tokensIn = object["tokens_in"]?.intValue ?? 0
        tokensOut = object["tokens_out"]?.intValue ?? 0
        tokensCacheRead = object["tokens_cache_read"]?.intValue ?? 0
        tokensCacheWrite = object["tokens_cache_write"]?.intValue ?? 0
        turns = object["turns"]?.intValue ?? 0
        softCapWarned = object["soft_cap_warned"]?.boolValue ?? false
        exhaustionNotified = object["exhaustion_notified"]?.boolValue ?? false
    }
}

/// Credits of every agent: `state/ledger.json`, written only by the engine.
public struct Ledger: Sendable, Equatable {
    /// The accounts by agent name; an agent gets one (its `max_credits`) before its first turn.
    public var accounts: [String: LedgerAccount] = [:]

    /// No accounts.
    public init() {}

    /// The account of `agent`, or `nil` when it has none yet.
    public subscript(agent: String) -> LedgerAccount? {
        get { accounts[agent] }
        set { accounts[agent] = newValue }
    }

    /// The content of `state/ledger.json`: an object by agent name.
    public var json: JSONValue {
        var object = JSONObject()
        for name in accounts.keys.sorted(by: Names.precedes) {
            object[name] = accounts[name]?.json
        }
        return .object(object)
    }

    /// Reads `state/ledger.json`.
    ///
    /// - Parameters:
    ///   - value: the file's JSON document.
    ///   - file: the path shown in errors.
    /// - Throws: ``LemmingError`` (`.invalidFile`) when the document or an account is not an object.
    public init(json value: JSONValue, file: String) throws {
        guard let object = value.objectValue else {
            throw LemmingError(.invalidFile, "must be a JSON object of accounts", path: file)
        }
        for (name, account) in object {
            guard let accountObject = account.objectValue else {
                throw LemmingError(.invalidFile, "must be an object", path: file, field: name)
            }
            accounts[name] = LedgerAccount(json: accountObject)
        }
    }
}
