/// Who can read whom, derived from the resumes on demand (DESIGN §2.4). There is no org chart file.
///
/// "A can read B" iff B is in `A.permissions.read_outboxes` or that list contains `"*"` (every
/// agent but A, `human` included). The human operator can read everyone.
public struct OrgGraph: Sendable {
    private let resumes: [String: Resume]
    private let explicitReaders: [String: [String]]
    private let wildcardReaders: [String]

    /// The graph of the agents whose resumes are given, by agent name; agents without a resume read nothing.
    public init(resumes: [String: Resume]) {
        self.resumes = resumes
        var explicit: [String: [String]] = [:]
        var wildcard: [String] = []
        for name in resumes.keys.sorted(by: Names.precedes) {
            guard let resume = resumes[name] else { continue }
            if resume.permissions.readsEveryone {
                wildcard.append(name)
                continue
            }
            for source in Set(resume.permissions.readOutboxes) where source != name {
                explicit[source, default: []].append(name)
            }
        }
        explicitReaders = explicit
        wildcardReaders = wildcard
    }

    /// Whether `reader` may read `author`'s outbox.
    public func canRead(_ reader: String, _ author: String) -> Bool {
        guard reader != author else { return false }
        if reader == Names.human { return true }
        guard let permissions = resumes[reader]?.permissions else { return false }
        return permissions.readsEveryone || permissions.readOutboxes.contains(author)
    }

    /// The outboxes `reader` reads, among `authors` (every outbox that exists), sorted.
    public func sources(of reader: String, among authors: [String]) -> [String] {
        guard let permissions = resumes[reader]?.permissions else { return [] }
        if permissions.readsEveryone { return authors.filter { $0 != reader } }
        return Set(permissions.readOutboxes).filter { $0 != reader }.sorted(by: Names.precedes)
    }

    /// The agents that read `author` (`human` included), sorted.
    public func readers(of author: String) -> [String] {
        var names = Set(explicitReaders[author] ?? [])
        names.formUnion(wildcardReaders.filter { $0 != author })
        if author != Names.human { names.insert(Names.human) }
        return names.sorted(by: Names.precedes)
    }

    /// The agents `reader` reads (`human` included when listed), sorted; for a `"*"` reader, every
    /// one of `agents` (asked for only then, since it is the whole org).
    public func readable(by reader: String, agents: () -> Set<String>) -> [String] {
        guard let permissions = resumes[reader]?.permissions else { return [] }
        var names = permissions.readsEveryone ? agents().union([Names.human]) : Set(permissions.readOutboxes)
        names.remove(reader)
        names.remove("*")
        return names.sorted(by: Names.precedes)
    }

    /// Recipients of an entry by `author` who cannot read it (unknown agents included).
    public func undeliverable(_ recipients: [String], author: String) -> [String] {
        recipients.filter { !canRead($0, author) }
    }

    /// The agents that hear the human: they read `human`, directly or through agents that read it.
    public func agentsHearingHuman() -> Set<String> {
        var heard: Set<String> = []
        var frontier = [Names.human]
        while let author = frontier.popLast() {
            for reader in readers(of: author) where reader != Names.human && heard.insert(reader).inserted {
                frontier.append(reader)
            }
        }
        return heard
    }

    /// The agents that read `author`, the human left out.
    public func agentReaders(of author: String) -> [String] {
        readers(of: author).filter { $0 != Names.human }
    }
}
