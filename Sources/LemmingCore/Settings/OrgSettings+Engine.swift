import LemmingJSON

/// The engine's settings: the top level of `lemming.json` and its `inbox`, `memory`, `limits` and
/// `loop_detection` sections.
extension OrgSettings {
    static let engine: [Setting<OrgConfig>] = [
        format,
        .string("name", \.name, "The org's name, shown to agents.").withDefault(note: "the folder's name"),
        .note("description", "What the org is for, in a sentence; for people, not used by the engine."),
        .number(
            "tick_period_seconds", \.tickPeriodSeconds, minimum: 0,
            "Seconds between tick starts for `lemming run` without `--ticks`."),
        .optionalInteger("max_ticks", \.maxTicks, in: 1...Int.max, "The last tick the org ever runs; null: no end."),
        .choice(
            "execution", \.execution,
            "How the turns of a tick run: \"parallel\" (every agent sees the org as it was when the tick began) "
                + "or \"sequential\" (agents see what was written earlier in the tick)."),
        .integer(
            "max_concurrent_turns", \.maxConcurrentTurns, in: 1...4096, "Model calls in flight at once (parallel mode)."
        ),
        .section("inbox", "What one turn is shown."),
        .integer("inbox.max_entries", \.inbox.maxEntries, in: 1...10_000, "The most inbox entries one turn is shown."),
        .integer(
            "inbox.max_characters", \.inbox.maxCharacters, in: 100...10_000_000,
            "The most characters of inbox entries one turn is shown."),
        .optionalInteger(
            "outbox_retention_ticks", \.outboxRetentionTicks, in: 1...Int.max,
            "Outbox entries older than this many ticks move to `archive/`; null keeps them."),
        .section("memory", "Caps on agents' memory."),
        .integer(
            "memory.max_value_bytes", \.memory.maxValueBytes, in: 16...100_000_000,
            "The largest value of one key, as compact JSON bytes."),
        .integer(
            "memory.max_agent_bytes", \.memory.maxAgentBytes, in: 16...1_000_000_000,
            "The largest total of one agent's values, in bytes."),
        .integer("memory.max_keys", \.memory.maxKeys, in: 1...100_000, "The most keys one agent may hold."),
        .integer(
            "memory.prompt_characters", \.memory.promptCharacters, in: 0...10_000_000,
            "How much memory the prompt shows, most recently updated first."),
        .section("limits", "Caps on a model reply."),
        .integer(
            "limits.max_reply_bytes", \.replies.maxReplyBytes, in: 1_024...100_000_000,
            "The largest reply accepted, in bytes."),
        .integer(
            "limits.max_entries_per_turn", \.replies.maxEntriesPerTurn, in: 1...99,
            "The most outbox entries one reply may write."),
        .integer(
            "limits.max_entry_bytes", \.replies.maxEntryBytes, in: 256...100_000_000,
            "The largest entry (payload, tags and meta), as compact JSON bytes."),
        .integer(
            "limits.max_tool_calls_per_turn", \.replies.maxToolCallsPerTurn, in: 0...1_000,
            "The most tool calls one reply may make; the rest are dropped, as a contract violation."),
        .integer(
            "limits.max_memory_updates_per_turn", \.replies.maxMemoryUpdatesPerTurn, in: 0...1_000,
            "The most memory updates one reply may make; the rest are dropped, as a contract violation."),
        .integer(
            "limits.max_unusable_in_a_row", \.replies.maxUnusableInARow, in: 1...1_000,
            "Unusable replies (cut off, refused, empty) in a row before the agent is paused and the human told."),
        .integer(
            "limits.max_value_depth", \.replies.maxValueDepth, in: 1...OrgConfig.ReplyLimits.valueDepthCeiling,
            "How deeply a value of a reply (payload, meta, tool arguments, memory value) may nest; deeper values "
                + "are refused as a contract violation."),
        .section("loop_detection", "Pausing agents that repeat themselves."),
        .integer(
            "loop_detection.repeat_limit", \.loopRepeatLimit, in: 0...1_000,
            "Turns in a row without progress (the same actions, or nothing new in or out) before an agent is "
                + "paused (`loop_detected`); 0 disables."),
        .integer(
            "checkpoint_every_ticks", \.checkpointEveryTicks, in: 1...100_000,
            "Ticks between checkpoints, when the files written since the last one are flushed to disk."),
    ]

    /// `format`: 1 is the only version there is; a newer one is an error of its own.
    private static var format: Setting<OrgConfig> {
        var setting = Setting<OrgConfig>("format", .integer, "On-disk format version.")
        let supported = 1
        setting.minimum = 1
        setting.maximum = Double(supported)
        setting.value = { .int($0.format) }
        setting.read = { input, root, issues in
            guard let format = issues.optionalInteger(input.parent, input.key, prefix: input.prefix, in: 1...Int.max)
            else { return }
            root.format = format
            if format > supported {
                issues.error(
                    input.field, "format", "format \(format) is newer than this lemming supports (\(supported))")
            }
        }
        return setting
    }
}
