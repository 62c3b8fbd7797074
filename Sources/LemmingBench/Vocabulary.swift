/// The words of the generated history (`lemming-bench make-history`): a few thousand words drawn
/// with a Zipf-like distribution, so that some words are in most documents and most words in few,
/// as in text people and models write.
///
/// The list is fixed: English function words first (the most frequent), then the words of an
/// organisation at work, then made-up words built from syllables to fill the long tail. Rank r is
/// drawn with a weight of 1 / (r + 2.7) (Zipf–Mandelbrot with exponent 1). The search benchmark
/// picks its query words by rank from the same list.
struct Vocabulary: Sendable {
    static let size = 4_000

    static let functionWords = """
        the of and to a in is that for it on with as was be by this are at from or have an they \
        which not but you we all were can has been will their one there if more when so what about \
        up out into than them some its could then only other these two may also new after first \
        would any our over such most even should where because each between through both those \
        under while before same still here now just very well since during without again against
        """

    static let organisationWords = """
        project plan report budget review deploy deployed deployment deploying release test tests \
        testing build server client database query index search login page spec design api \
        endpoint schedule meeting customer invoice contract risk issue bug fix patch merge branch \
        commit pipeline metrics latency throughput backlog sprint roadmap milestone deadline \
        estimate scope requirement feature ticket incident outage alert monitor dashboard logs \
        cluster node cache queue worker service gateway proxy certificate token session password \
        account user admin permission role policy audit compliance security vulnerability scan \
        firewall network bandwidth storage backup restore migration schema table column record \
        payload request response message thread reply summary draft proposal approval decision \
        owner team manager engineer designer analyst reviewer writer planner coder tester \
        support sales marketing finance legal hiring candidate interview offer onboarding \
        training documentation guide tutorial example template checklist runbook playbook \
        quarter week month friday monday tuesday wednesday thursday morning afternoon tonight \
        today tomorrow yesterday soon later early late delayed blocked ready done pending \
        started finished shipped rolled reverted failed passed flaky green red yellow status \
        update progress blocker dependency priority urgent normal low high medium critical \
        minor major version changelog tag label comment feedback question answer idea concern \
        assumption constraint tradeoff option alternative recommendation next steps action \
        item owner volunteer agreed confirmed rejected postponed cancelled scheduled planned \
        numbers revenue cost spend forecast target goal objective result outcome impact growth \
        churn retention conversion signup traffic load capacity scaling autoscaling region \
        zone replica shard partition consistency availability durability performance memory \
        cpu disk file folder path config setting flag environment staging production preview \
        local remote mobile desktop browser frontend backend fullstack infra platform tooling \
        compiler linter formatter framework library package module function method class \
        interface protocol struct enum error warning exception crash timeout retry fallback \
        circuit breaker limit quota rate throttle burst spike regression improvement refactor \
        cleanup rewrite prototype experiment benchmark profile trace span sample dataset model \
        training inference embedding vector prompt reply agent organisation human tick turn \
        credits ledger outbox inbox memory cursor journal archive retention snapshot export \
        import parser writer reader stream socket websocket http json yaml csv sql sqlite \
        postgres redis kafka nginx docker kubernetes terraform ansible linux kernel container \
        image registry artifact binary release notes launch announcement press partner vendor \
        supplier procurement invoicing payroll expense receipt reimbursement travel \
        office remote hybrid standup retro demo showcase workshop offsite planning estimation \
        velocity burndown capacityplan headcount budgetline approvalchain signoff handoff \
        escalation rotation oncall pager incidentreview postmortem rootcause mitigation \
        workaround hotfix rollback canary rollout feature_flag toggle experimenting cohort
        """

    static let syllables = [
        "ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "be", "do", "fa", "gu", "ha", "ji", "ko", "la", "ma", "no",
        "pe", "qui", "ra", "se", "ti", "ul", "ve", "wa", "xe", "yo", "zu", "bri", "cla", "dre", "flo", "gri", "pla",
        "stro", "tra", "ven", "mor", "sil", "tan", "dor", "kel", "min", "sar", "tol", "bex", "nim",
    ]

    /// Words used as phrases ("login page"), each drawn as one unit; the benchmark's phrase query
    /// is one of them.
    static let phrases = [
        "root cause", "login page", "budget review", "release plan", "test suite", "code review", "pull request",
        "design doc", "error rate", "on call", "load test", "data migration", "customer feedback", "security review",
        "launch date", "cost report", "api gateway", "search index", "memory leak", "disk space", "action items",
        "next quarter", "status update", "risk register", "feature freeze", "hiring plan", "access control",
        "service level", "response time", "user research",
    ]

    static let tags = [
        "planning", "spec", "bug", "infra", "security", "ops", "design", "research", "release", "customer", "billing",
        "hiring", "legal", "data", "ml", "frontend", "backend", "mobile", "docs", "qa", "finance", "support",
        "incident", "perf", "cleanup", "api", "search", "growth", "partner", "compliance",
    ]

    static let memoryKeys = [
        "plan", "status", "notes", "todo", "contacts", "budget", "risks", "decisions", "backlog", "open_questions",
        "next_steps", "summary", "customers", "incidents", "metrics", "ideas", "blockers", "owners", "deadlines",
        "reviews", "vendors", "releases", "experiments", "lessons", "team", "goals", "meetings", "followups",
        "estimates", "dependencies",
    ]

    /// Every word as UTF-8, most frequent first.
    let words: [[UInt8]]
    let wordDistribution: ZipfDistribution
    let phraseDistribution: ZipfDistribution
    let tagDistribution: ZipfDistribution

    init() {
        var words: [String] = []
        var seen = Set<String>()
        for word in (Self.functionWords + " " + Self.organisationWords).split(whereSeparator: \.isWhitespace)
        where seen.insert(String(word)).inserted {
            words.append(String(word))
        }
        // The tail: made-up words of two or three syllables, in a fixed pseudo-random order.
        var random = SplitMix64(seed: 0x5EED_0F_5EA2C4)
        while words.count < Self.size {
            let count = 2 + Int(random.next() % 2)
            let word = (0..<count).map { _ in Self.syllables[Int(random.next() % UInt64(Self.syllables.count))] }
                .joined()
            if seen.insert(word).inserted { words.append(word) }
        }
        self.words = words.map { Array($0.utf8) }
        wordDistribution = ZipfDistribution(count: words.count, offset: 2.7)
        phraseDistribution = ZipfDistribution(count: Self.phrases.count, offset: 1)
        tagDistribution = ZipfDistribution(count: Self.tags.count, offset: 1)
    }

    func word(rank: Int) -> String { String(decoding: words[rank], as: UTF8.self) }

    /// Appends a text of `sentences` sentences to `text`.
    func appendText(sentences: Int, to text: inout [UInt8], random: inout SplitMix64) {
        for sentence in 0..<sentences {
            if sentence > 0 { text.append(0x20) }
            let length = 5 + Int(random.next() % 14)
            let phraseAt = random.next() % 3 == 0 ? Int(random.next() % UInt64(length)) : -1
            for position in 0..<length {
                if position > 0 { text.append(0x20) }
                let start = text.count
                if position == phraseAt {
                    text += Self.phrases[phraseDistribution.sample(&random)].utf8
                } else {
                    text += words[wordDistribution.sample(&random)]
                }
                // Capitalised first word (the index folds case).
                if position == 0, text[start] >= 0x61, text[start] <= 0x7A { text[start] -= 0x20 }
            }
            text.append(random.next() % 6 == 0 ? 0x3F : 0x2E)
        }
    }
}

/// Draws ranks 0..<count with weight 1 / (rank + offset), by binary search in the cumulative weights.
struct ZipfDistribution: Sendable {
    let cumulative: [Double]

    init(count: Int, offset: Double) {
        var total = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(count)
        for rank in 0..<count {
            total += 1 / (Double(rank) + offset)
            cumulative.append(total)
        }
        self.cumulative = cumulative.map { $0 / total }
    }

    /// The share of draws that give `rank`.
    func probability(_ rank: Int) -> Double {
        cumulative[rank] - (rank == 0 ? 0 : cumulative[rank - 1])
    }

    func sample(_ random: inout SplitMix64) -> Int {
        let target = random.nextUnit()
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): small, fast, and the same sequence on every machine
/// for a seed, which is what makes the generated org reproducible.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// A double in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `probability`.
    mutating func chance(_ probability: Double) -> Bool { nextUnit() < probability }

    /// An integer in 0..<bound.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
