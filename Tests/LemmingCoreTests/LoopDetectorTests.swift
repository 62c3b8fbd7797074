import LemmingJSON
import Testing

@testable import LemmingCore

// The loop detector's pure logic (issue 11 item 11): loops with varied wording and ping-pong are
// caught; real work, new input and idle turns are not.

private func message(_ text: String, to recipients: [String]? = nil) -> ParsedReply {
    var reply = ParsedReply()
    reply.entries = [DraftEntry(payload: ["text": .string(text)], recipients: recipients)]
    return reply
}

private func inboxEntry(_ author: String, _ tick: Int, _ text: String) -> OutboxEntry {
    OutboxEntry(
        id: EntryID(tick: tick, agent: author, sequence: 1), kind: "message", payload: ["text": .string(text)],
        createdAt: "2026-01-01T00:00:00.000Z")
}

/// Feeds one agent's turns (reply text, inbox texts by author) and returns the ticks that gave a verdict.
private func verdicts(
    _ turns: [(reply: ParsedReply, inbox: [(String, String)])], limit: Int = 5
) -> [(tick: Int, verdict: LoopVerdict)] {
    let detector = LoopDetector(repeatLimit: limit)
    var history = LoopHistory()
    var found: [(Int, LoopVerdict)] = []
    for (offset, turn) in turns.enumerated() {
        let tick = offset + 1
        let inbox = turn.inbox.map { inboxEntry($0.0, tick - 1, $0.1) }
        if let verdict = detector.observe(turn.reply, inbox: inbox, tick: tick, history: &history) {
            found.append((tick, verdict))
        }
    }
    return found
}

/// Two agents that each answer the other's last entry with the next of their phrasings (as
/// shared/cases/21 does); a paused agent stops answering, the other goes on with an empty inbox.
private func conversation(
    alice: [String], bob: [String], ticks: Int, limit: Int = 5
) -> (alice: Int?, bob: Int?, verdicts: [String: LoopVerdict]) {
    let detector = LoopDetector(repeatLimit: limit)
    var histories = ["alice": LoopHistory(), "bob": LoopHistory()]
    var lastEntries: [String: OutboxEntry] = ["human": inboxEntry("human", 0, "Thanks both, the task is done.")]
    var pausedAt: [String: Int] = [:]
    var verdicts: [String: LoopVerdict] = [:]
    for tick in 1...ticks {
        var written: [String: OutboxEntry] = [:]
        for (agent, partner, lines) in [("alice", "bob", alice), ("bob", "alice", bob)] where pausedAt[agent] == nil {
            var inbox = [lastEntries[partner]].compactMap { $0 }
            if agent == "alice", tick == 1, let human = lastEntries["human"] { inbox.append(human) }
            let text = lines[(tick - 1) % lines.count]
            var history = histories[agent] ?? LoopHistory()
            if let verdict = detector.observe(
                message(text, to: [partner]), inbox: inbox, tick: tick, history: &history)
            {
                pausedAt[agent] = tick
                verdicts[agent] = verdict
            } else {
                written[agent] = inboxEntry(agent, tick, text)
            }
            histories[agent] = history
        }
        lastEntries = written
    }
    return (pausedAt["alice"], pausedAt["bob"], verdicts)
}

// MARK: - Loops are caught

@Test func identicalActionsAreALoopOnTheKthTurn() throws {
    let turns = (1...6).map { _ in (reply: message("same words"), inbox: [(String, String)]()) }
    let found = verdicts(turns)
    #expect(found.map(\.tick) == [5])
    let verdict = try #require(found.first?.verdict)
    #expect(verdict.kind == .repeatedActions)
    #expect(verdict.turns == 5)
    #expect(verdict.ticks == [1, 2, 3, 4, 5])
    #expect(verdict.summary(agent: "a") == "a repeated the same actions 5 turns in a row (ticks 1–5): “same words”.")
}

@Test func identicalActionsAreALoopWhateverComesIn() {
    // The old rule stays: the same answer to every new message is a loop too.
    let turns = (1...5).map { (reply: message("I cannot help with that."), inbox: [("human", "question \($0)")]) }
    #expect(verdicts(turns).map(\.tick) == [5])
}

@Test func theRotatingThankYousOfCase21AreCaughtForBothAgents() throws {
    let result = conversation(
        alice: [
            "Thank you so much for your help!", "Thanks again, really appreciated.", "Many thanks for everything!",
        ],
        bob: ["You are welcome! Happy to help.", "Anytime, glad it worked out.", "My pleasure!"], ticks: 15)
    #expect(result.alice == 7)
    #expect(result.bob == 7)
    let verdict = try #require(result.verdicts["alice"])
    #expect(verdict.kind == .pingPong)
    #expect(verdict.partners == ["bob"])
    #expect(verdict.turns == 5)
    #expect(verdict.ticks == [3, 4, 5, 6, 7])
    #expect(verdict.excerpts.contains("Thank you so much for your help!"))
    #expect(verdict.summary(agent: "alice").hasPrefix("alice exchanged 5 turns with bob without new information"))
}

@Test func courtesiesThatNeverRepeatExactlyAreCaughtOnceTheirWordsAreWornOut() {
    // Real models vary the wording every time; no text repeats, but nothing new is said.
    let thanks = [
        "Thank you so much for your help!", "Thanks again, really appreciated.", "Many thanks for everything!",
        "Thanks so much, really, for everything!", "Really appreciated, many thanks again!",
        "Thank you again for all the help!", "So many thanks, really appreciated!", "Thanks for everything, again!",
        "Again, thank you so much!", "Many, many thanks for the help!", "Thank you, really appreciated!",
        "Thanks so much for all of it!", "Really, thanks again for everything!", "Thank you for everything!",
    ]
    let welcomes = [
        "You are welcome! Happy to help.", "Anytime, glad it worked out.", "My pleasure!",
        "Happy to help anytime!", "Glad it worked out, my pleasure.", "You are very welcome!",
        "Anytime! Happy it worked out.", "Glad to help, you are welcome.", "My pleasure, anytime!",
        "Happy it all worked out!", "You are welcome, glad to help!", "Anytime, my pleasure!",
        "Very welcome, happy to help!", "Glad to help anytime!",
    ]
    #expect(Set(thanks).count == thanks.count)
    let result = conversation(alice: thanks, bob: welcomes, ticks: 14)
    let alice = result.alice ?? 99
    let bob = result.bob ?? 99
    #expect(alice <= 12)
    #expect(bob <= 12)
}

@Test func anAgentRepeatingNearIdenticalReportsWithNothingComingInIsALoop() throws {
    let texts = [
        "Status: waiting for the review of the login page.", "Status: still waiting for the review of the login page.",
        "Status: waiting for the login page review.", "Status: still waiting for the review of the login page!",
        "Status: waiting, still, for the review of the login page.",
    ]
    let found = verdicts(texts.map { (reply: message($0), inbox: []) })
    #expect(found.map(\.tick) == [5])
    #expect(found.first?.verdict.kind == .nearDuplicates)
}

@Test func theSameToolCallAgainIsALoop() {
    var reply = ParsedReply()
    reply.toolCalls = [ToolCall(tool: "file_read", arguments: ["path": "status.txt"])]
    let found = verdicts((1...5).map { _ in (reply: reply, inbox: []) })
    #expect(found.map(\.tick) == [5])
    #expect(found.first?.verdict.excerpts == [#"file_read {"path":"status.txt"}"#])
}

// MARK: - Work is not a loop

@Test(arguments: [
    // A worker reporting different work each turn, nothing coming in.
    [
        "Wrote the login form with email and password fields.", "Added client-side validation for the email field.",
        "Hooked the form to the session endpoint.", "Added error messages for wrong passwords.",
        "Wrote tests for the validation rules.", "Fixed the tab order of the form.",
        "Styled the submit button and the error banner.",
    ],
    // Short acknowledgements of varied work.
    ["Done: schema.", "Done: migrations.", "Done: seed data.", "Done: indexes.", "Done: backups.", "Done: docs."],
])
func aWorkerReportingNewWorkIsNotALoop(texts: [String]) {
    #expect(verdicts(texts.map { (reply: message($0), inbox: []) }).isEmpty)
}

@Test func answeringEachNewMessageFromTheHumanIsNotALoop() {
    // The same template, quoting each message: the input is new every time.
    let questions = ["How is the form?", "Is validation done?", "Any blockers?", "When do we ship?", "Who reviews?"]
    let turns = (questions + questions).map { question in
        (reply: message("Noted: “\(question)” I will look into it."), inbox: [("human", question)])
    }
    #expect(verdicts(turns).isEmpty)
}

@Test func aReviewCycleBetweenTwoAgentsWithNewContentIsNotALoop() {
    let result = conversation(
        alice: [
            "Please review the login form.", "Fixed the email regex as you asked.", "Renamed the submit handler.",
            "Added the missing test for empty passwords.", "Moved the styles into login.css.",
            "Removed the debug logging.", "Bumped the session timeout to 30 minutes.", "Updated the README section.",
        ],
        bob: [
            "Looking at it now.", "The email regex rejects plus signs; please fix.", "Handler name is unclear.",
            "Empty passwords are not tested.", "Styles are inline; move them.", "There is debug logging left.",
            "Session timeout is too short.", "README still describes the old flow.",
        ], ticks: 8)
    #expect(result.alice == nil)
    #expect(result.bob == nil)
}

@Test func newMemoryOrToolCallsAreProgressEvenWithTheSameWords() {
    let turns = (1...8).map { step in
        var reply = message("Working on it.")
        reply.memoryUpdates = [MemoryUpdate(key: "step", operation: .set, value: .int(step))]
        return (reply: reply, inbox: [(String, String)]())
    }
    #expect(verdicts(turns).isEmpty)
}

@Test func idleTurnsNeitherExtendNorBreakAStreak() {
    var turns: [(reply: ParsedReply, inbox: [(String, String)])] = []
    for index in 0..<5 {
        turns.append((reply: message("same words"), inbox: []))
        if index < 4 { turns.append((reply: ParsedReply(), inbox: [("bob", "new words \(index) here")])) }
    }
    #expect(verdicts(turns).map(\.tick) == [9])
}

@Test func aRepeatLimitOfZeroDisablesDetection() {
    #expect(verdicts((1...10).map { _ in (reply: message("same"), inbox: []) }, limit: 0).isEmpty)
}

@Test func afterAVerdictTheStreakStartsOver() {
    let found = verdicts((1...12).map { _ in (reply: message("same words"), inbox: []) }, limit: 3)
    #expect(found.map(\.tick) == [3, 5, 7, 9, 11])
}

// MARK: - History

@Test func theHistoryRoundTripsThroughJSONAndStaysSmall() throws {
    let detector = LoopDetector(repeatLimit: 5)
    var history = LoopHistory()
    for tick in 1...100 {
        var reply = message(String(repeating: "word\(tick) other\(tick % 7) ", count: 200))
        reply.toolCalls = [ToolCall(tool: "file_write", arguments: ["path": .string("f\(tick)"), "content": "x"])]
        _ = detector.observe(
            reply, inbox: [inboxEntry("bob", tick, String(repeating: "input \(tick) ", count: 500))], tick: tick,
            history: &history)
    }
    #expect(history.turns.count == 5)
    let bytes = JSONWriter(style: .compact).bytes(history.json)
    #expect(bytes.count < 2_500)
    #expect(LoopHistory(json: try JSONValue.parse(bytes)) == history)
}

@Test(arguments: ["null", "[]", #"{"turns": 5}"#, #"{"turns": [{"tick": "x"}], "streak": -3}"#, #"{"streak": 99}"#])
func malformedHistoryReadsAsEmpty(text: String) throws {
    #expect(LoopHistory(json: try JSONValue.parse(text)).isEmpty)
}

// MARK: - Sketches

private func words(_ text: String) -> [UInt32] {
    var hashes: [UInt32] = []
    LoopSketch.addWords(of: text, to: &hashes)
    return LoopSketch.set(hashes)
}

@Test func wordsIgnoreCasePunctuationEntryIdsAndSingleLetters() {
    #expect(words("Thanks, Bob! Re 00000012-bob-01: thanks.") == words("thanks bob re"))
    #expect(words("a b c") == [])
    #expect(words("follow-up") != words("follow up"))
    #expect(words("Déjà vu") == words("déjà VU"))
}

@Test func similarityIsExactForShortTextsAndOneForIdenticalOnes() {
    let first = LoopSketch.sample(words("one two three four"))
    let second = LoopSketch.sample(words("one two three five"))
    #expect(LoopSketch.similarity(first, first) == 1)
    #expect(LoopSketch.similarity(first, second) == 3.0 / 5.0)
    #expect(LoopSketch.similarity([], []) == 1)
    let long = LoopSketch.sample(words((1...300).map { "w\($0)" }.joined(separator: " ")))
    #expect(long.count == LoopSketch.size)
    #expect(LoopSketch.similarity(long, long) == 1)
}

@Test func setsAreSortedWithoutDuplicatesAndSearchable() {
    let set = LoopSketch.set([5, 3, 9, 3, 5, 1])
    #expect(set == [1, 3, 5, 9])
    #expect([1, 3, 5, 9].allSatisfy { LoopSketch.contains(set, $0) })
    #expect(![0, 2, 4, 10].contains { LoopSketch.contains(set, $0) })
    #expect(LoopSketch.set([]) == [])
    #expect(!LoopSketch.contains([], 1))
}

@Test func sketchesSurviveTheirHexForm() {
    let sample = LoopSketch.sample(words("alpha beta gamma delta"))
    #expect(LoopSketch.decode(LoopSketch.encode(sample)) == sample)
    #expect(LoopSketch.decode("zz") == [])
}

@Test func excerptsAreOneLineAndCutAtEightyScalars() {
    #expect(LoopHistory.excerpt("two\nlines\tand a tab") == "two lines and a tab")
    let long = String(repeating: "é", count: 100)
    let cut = LoopHistory.excerpt(long)
    #expect(cut == String(repeating: "é", count: 79) + "…")
    #expect(LoopHistory.excerpt(String(repeating: "x", count: 80)) == String(repeating: "x", count: 80))
    #expect(LoopHistory.excerpt("") == "")
}

@Test(arguments: [2, 3, 5])
func aShortReplyWithNothingComingInIsALoopOnTheKthTurnNotBefore(limit: Int) {
    let turns = Array(repeating: (reply: message("hi"), inbox: [(String, String)]()), count: limit + 2)
    #expect(verdicts(turns, limit: limit).first?.tick == limit)
}
