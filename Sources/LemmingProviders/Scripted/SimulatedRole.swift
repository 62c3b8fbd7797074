import LemmingCore

/// The part an agent plays in the ``Simulation``, read from its resume.
///
/// The name and the title decide first (`manager`, "Engineering manager", `code-reviewer`); when
/// they name no role, the first verb of the instructions that does ("Implement what…", "Review
/// what…") decides. An agent whose resume names none of them is ``generic``.
enum SimulatedRole: String, Sendable, CaseIterable {
    /// Splits the human's requests into tasks for the team, keeps the plan, reports back.
    case manager
    /// Answers a task with a plan of steps, and remembers it.
    case planner
    /// Writes the work into a file with `file_write` and asks for a review.
    case coder
    /// Reads the file with `file_read` and answers with a review.
    case reviewer
    /// Answers every message and request, and asks its readers to follow up (a few hops).
    case generic

    /// Words of a name or title that name a role, in the order they are tried (an "Engineering
    /// manager" is a manager, not a coder).
    private static let titleWords: [(SimulatedRole, Set<String>)] = [
        (.manager, ["manager", "lead", "coordinator", "director", "head", "boss"]),
        (.reviewer, ["reviewer", "review", "qa", "tester", "auditor", "critic"]),
        (.planner, ["planner", "architect", "planning", "strategist"]),
        (.coder, ["coder", "developer", "dev", "programmer", "engineer", "implementer", "builder"]),
    ]

    /// Verbs of the instructions that name a role.
    private static let verbs: [String: SimulatedRole] = [
        "lead": .manager, "manage": .manager, "coordinate": .manager, "delegate": .manager,
        "review": .reviewer, "audit": .reviewer, "test": .reviewer,
        "plan": .planner, "design": .planner, "specify": .planner,
        "implement": .coder, "code": .coder, "program": .coder, "build": .coder,
    ]

    init(name: String, title: String = "", instructions: String = "") {
        let words = Set(Self.words(of: name + " " + title))
        if let match = Self.titleWords.first(where: { !$0.1.isDisjoint(with: words) }) {
            self = match.0
            return
        }
        self = Self.words(of: instructions).lazy.compactMap { Self.verbs[$0] }.first ?? .generic
    }

    init(_ context: TurnContext) {
        self.init(name: context.agent, title: context.title, instructions: context.instructions)
    }

    /// The lowercased words of `text` (letters and digits; anything else separates).
    static func words(of text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }
}
