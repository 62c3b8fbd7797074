import LemmingJSON
import Testing

@testable import LemmingCore

// What the agent is told about its last reply (issue 11 item 9): bounded, stored as JSON, rendered
// as its own section (the golden files show the section in full).

@Test func problemsRoundTripThroughJSON() throws {
    let problems = ReplyProblems(
        tick: 6, notice: "cut off",
        violations: [
            ContractViolation("json_repaired", "read after repairing trailing commas"),
            ContractViolation("invalid_tool_call", field: "tool_calls[0].args", "call not run"),
        ])
    let bytes = JSONWriter(style: .compact).bytes(problems.json)
    #expect(ReplyProblems(json: try JSONValue.parse(bytes)) == problems)
    #expect(ReplyProblems(json: "nonsense") == nil)
}

@Test func problemsAreBoundedSinceTheyAreStored() {
    let many = (0..<50).map { ContractViolation("invalid_entry", field: "outbox_entries[\($0)]", "dropped") }
    let problems = ReplyProblems(tick: 1, notice: String(repeating: "n", count: 1_000), violations: many)
    #expect(problems.violations.count == ReplyProblems.maximumViolations)
    #expect(problems.omitted == 50 - ReplyProblems.maximumViolations)
    #expect(problems.notice?.count == ReplyProblems.maximumMessageCharacters)
    let long = ReplyProblems(tick: 1, violations: [ContractViolation("x", String(repeating: "m", count: 5_000))])
    #expect(long.violations[0].message.count == ReplyProblems.maximumMessageCharacters)
    #expect(JSONWriter(style: .compact).bytes(problems.json).count < 8_000)
}

@Test func feedbackWrittenWithoutATickReadsAsProblemsWithoutATick() throws {
    // The shape agents.json held before the tick and the count were kept: violations and a notice.
    let feedback: JSONValue = [
        "violations": [["code": "invalid_entry", "field": "outbox_entries[0]", "message": "dropped"]],
        "notice": "Your last reply was cut off.",
    ]
    let problems = try #require(ReplyProblems(json: feedback))
    #expect(problems.tick == nil)
    #expect(problems.notice == "Your last reply was cut off.")
    #expect(
        PromptBuilder().problemsSection(problems) == """
            ## Problems with your last reply
            Your last reply was cut off.
            Not understood or not applied (fix what still matters in this reply):
            - outbox_entries[0]: dropped
            """)
}

@Test func theSectionSeparatesWhatWasDroppedFromWhatWasReadAnyway() {
    let section = PromptBuilder().problemsSection(
        ReplyProblems(
            tick: 3,
            violations: [
                ContractViolation("args_shape", field: "tool_calls[0].args", "was a JSON string; decoded"),
                ContractViolation("not_json", "no JSON object found in the reply"),
            ]))
    #expect(
        section == """
            ## Problems with your last reply (tick 3)
            Not understood or not applied (fix what still matters in this reply):
            - no JSON object found in the reply
            Read anyway, but write it as the reply format says:
            - tool_calls[0].args: was a JSON string; decoded
            """)
}
