/// The reviewer's reading of a file: what is good, what blocks, and one suggestion, found by
/// looking at the text (labelled fields, a password field, a title; headings and `TODO`s of a
/// document).
struct SimulatedReview: Equatable {
    var file: String
    var lines: Int
    /// What the file does well.
    var strengths: [String] = []
    /// What must change before it is acceptable.
    var problems: [String] = []
    /// What would make it better.
    var suggestion: String?

    var isAcceptable: Bool { problems.isEmpty && lines > 0 }

    init(file: String, content: String) {
        self.file = file
        lines = content.split(separator: "\n", omittingEmptySubsequences: true).count
        let lower = content.lowercased()
        if lower.contains("<html") || file.hasSuffix(".html") {
            reviewPage(lower)
        } else {
            reviewDocument(content)
        }
        if lines == 0 { problems.append("the file is empty") }
    }

    private mutating func reviewPage(_ page: String) {
        note(page.contains("<title>"), good: "a title", bad: "no <title>")
        let inputs = page.ranges(of: "<input").count
        let labels = page.ranges(of: "<label for=").count
        if inputs > 0 {
            note(labels >= inputs, good: "every field labelled", bad: "\(inputs - labels) field(s) without a label")
        }
        if page.contains("type=\"password\"") {
            note(
                page.contains("autocomplete=\"current-password\""), good: "password autocomplete",
                bad: "no autocomplete on the password")
            if !page.contains("forgot") { suggestion = "add a “Forgot password?” link" }
        }
        if page.contains("method=\"post\"") { strengths.append("a POST form") }
        if suggestion == nil, !page.contains("<nav") { suggestion = "add a navigation bar" }
    }

    private mutating func reviewDocument(_ text: String) {
        let headings = text.split(separator: "\n").filter { $0.hasPrefix("#") }.count
        note(headings > 1, good: "\(headings) headings", bad: "no sections")
        if text.contains("TODO") { problems.append("TODOs left") }
        suggestion = "add an example to each section"
    }

    private mutating func note(_ isGood: Bool, good: String, bad: String) {
        if isGood { strengths.append(good) } else { problems.append(bad) }
    }

    /// "Reviewed shared/login-page.html (19 lines): a title, every field labelled…. Acceptable.
    /// Suggestion: …"
    var text: String {
        var text = "Reviewed \(file) (\(lines) lines)"
        if !strengths.isEmpty { text += ": " + strengths.joined(separator: ", ") }
        text += "."
        text += isAcceptable ? " Acceptable." : " Changes needed: " + problems.joined(separator: "; ") + "."
        if let suggestion { text += " Suggestion: \(suggestion)." }
        return text
    }

    /// One word for memory and reports: `acceptable` or `changes needed`.
    var verdict: String { isAcceptable ? "acceptable" : "changes needed" }
}
