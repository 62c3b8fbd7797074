/// What a request asks the simulated team to make, read from its words: the thing ("a login
/// page"), the file it goes into (`shared/login-page.html`, in `shared/` so that every teammate
/// can read it), the steps of a plan, and the file's first version.
///
/// Deterministic: the same text always gives the same task.
struct SimulatedTask: Equatable {
    /// What is asked for, as the request says it ("a login page").
    var topic: String
    /// The file the work goes into, relative to the workspace (`shared/…`).
    var file: String

    private static let verbs: Set<String> = [
        "build", "write", "make", "create", "implement", "add", "design", "draft", "develop", "plan", "prepare",
        "review",
    ]
    private static let stops: Set<String> = [
        "then", "and", "as", "so", "by", "before", "when", "with", "in", "into", "to", "for", "that", "which",
    ]
    private static let articles: Set<String> = ["a", "an", "the", "some", "our", "my", "your", "their"]
    private static let pageWords: Set<String> = ["page", "form", "site", "website", "html", "screen", "landing"]

    /// The task a request's text asks for; a path in it (`shared/login-page.html`) is the file.
    init(request text: String) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
        topic = Self.topic(of: words)
        file = Self.namedFile(in: text) ?? "shared/\(Self.slug(of: topic)).\(Self.isPage(topic) ? "html" : "md")"
    }

    /// The thing without its article ("login page").
    var subject: String {
        let words = topic.split(separator: " ")
        guard let first = words.first, Self.articles.contains(first.lowercased()), words.count > 1 else {
            return topic
        }
        return words.dropFirst().joined(separator: " ")
    }

    var isPage: Bool { file.hasSuffix(".html") }
    var isLogin: Bool { subject.lowercased().contains("login") || subject.lowercased().contains("sign in") }

    /// The plan: three short steps.
    var steps: [String] {
        if isPage && isLogin {
            return [
                "Markup: a form with labelled email and password fields and a submit button.",
                "Behaviour: POST to /login; the browser fills the fields (autocomplete).",
                "Review: labels, password handling, then report to the manager.",
            ]
        }
        if isPage {
            return [
                "Markup: a heading and the sections of the \(subject).",
                "Content: one short paragraph per section.",
                "Review: structure and wording, then report to the manager.",
            ]
        }
        return [
            "Outline: the parts of the \(subject).",
            "Draft: one section per part in \(file).",
            "Review: completeness and wording, then report to the manager.",
        ]
    }

    /// The first version of the file.
    var content: String {
        let title = subject.prefix(1).uppercased() + subject.dropFirst()
        if isPage && isLogin {
            return """
                <!doctype html>
                <html lang="en">
                <head>
                  <meta charset="utf-8">
                  <title>\(title)</title>
                </head>
                <body>
                  <main>
                    <h1>Sign in</h1>
                    <form method="post" action="/login">
                      <label for="email">Email</label>
                      <input id="email" name="email" type="email" autocomplete="username" required>
                      <label for="password">Password</label>
                      <input id="password" name="password" type="password" autocomplete="current-password" required>
                      <button type="submit">Sign in</button>
                    </form>
                  </main>
                </body>
                </html>

                """
        }
        if isPage {
            return """
                <!doctype html>
                <html lang="en">
                <head>
                  <meta charset="utf-8">
                  <title>\(title)</title>
                </head>
                <body>
                  <main>
                    <h1>\(title)</h1>
                    <section>
                      <h2>Overview</h2>
                      <p>What this page is for, in one paragraph.</p>
                    </section>
                  </main>
                </body>
                </html>

                """
        }
        return "# \(title)\n\n"
            + steps.enumerated().map { "## \($0.offset + 1). \($0.element)\n" }.joined(separator: "\n")
    }

    // MARK: - Reading the request

    /// Whether `text` asks for something to be made (it has a verb such as "build" or "plan").
    static func asksForWork(_ text: String) -> Bool {
        SimulatedRole.words(of: text).contains { verbs.contains($0) }
    }

    /// The first file name of `text` (`shared/login-page.html`), or `nil`.
    static func namedFile(in text: String) -> String? {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).lazy.map { trimmed(String($0)) }
            .first { isPath($0) }
    }

    /// The words after the first verb that asks for something, up to a stop word or the end of
    /// the clause ("Please plan and build a login page, then …" → "a login page"); without such
    /// a verb, the first words.
    private static func topic(of words: [String]) -> String {
        var index = words.firstIndex { verbs.contains(trimmed($0).lowercased()) } ?? -1
        // "plan and build a login page": skip the other verbs of the chain.
        while index + 2 < words.count, words[index + 1].lowercased() == "and",
            verbs.contains(trimmed(words[index + 2]).lowercased()), !endsClause(words[index])
        {
            index += 2
        }
        var topic: [String] = []
        for word in words[(index + 1)...] {
            let bare = trimmed(word)
            if topic.count >= 6 || isPath(bare) || (!topic.isEmpty && stops.contains(bare.lowercased())) { break }
            if bare.lowercased() == "please" || bare.isEmpty { continue }
            topic.append(bare)
            if endsClause(word) { break }
        }
        return topic.isEmpty ? "the work" : topic.joined(separator: " ")
    }

    private static func endsClause(_ word: String) -> Bool {
        word.last.map { ",.;:!?".contains($0) } ?? false
    }

    private static func trimmed(_ word: String) -> String {
        String(
            word.drop(while: { "\"'“‘(".contains($0) }).reversed().drop(while: { ",.;:!?\"'”’)".contains($0) })
                .reversed())
    }

    /// A file name: in `shared/`, or with the extension of a document.
    private static func isPath(_ word: String) -> Bool {
        word.hasPrefix("shared/") || [".html", ".md", ".txt"].contains { word.count > 5 && word.hasSuffix($0) }
    }

    private static func isPage(_ topic: String) -> Bool {
        !pageWords.isDisjoint(with: SimulatedRole.words(of: topic))
    }

    /// `login-page`: the lowercased letters and digits of the topic without its article, at most
    /// 40 characters.
    private static func slug(of topic: String) -> String {
        let words = SimulatedRole.words(of: topic).filter { !articles.contains($0) }
        let slug = String(words.joined(separator: "-").prefix(40))
        return slug.isEmpty ? "work" : slug
    }
}
