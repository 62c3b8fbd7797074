import LemmingCore
import LemmingJSON
import LemmingOrgView

/// The org `lemming init` creates: a manager, a planner, a coder and a reviewer on the built-in
/// `scripted` simulation (no key, no network), the human's outbox, and a worker template.
enum OrgTemplate {
    struct AgentSpec {
        var name: String
        var title: String
        var description: String
        var instructions: String
        var workflow: String
        var reads: [String]
        var tools: [String]
        var createAgents = false
    }

    static let agents: [AgentSpec] = [
        AgentSpec(
            name: "manager", title: "Engineering manager",
            description: "Turns the human's requests into tasks for the team and reports back.",
            instructions: """
                You lead a small software team: planner, coder and reviewer. Read what the human asks, \
                break it into clear tasks, and address each task to the teammate who should do it (use "to"). \
                Keep the human informed: answer every message from the human with a short response addressed \
                to "human", and report when work is done or blocked. Keep a short plan in memory under "plan".
                """,
            workflow: "Reads the human and the whole team; the team reads the manager.",
            reads: ["human", "planner", "coder", "reviewer"],
            tools: ["memory_read", "memory_write", "memory_list", "file_read", "file_list", "create_agent"],
            createAgents: true),
        AgentSpec(
            name: "planner", title: "Planner",
            description: "Writes short, concrete plans and specs for the tasks the manager gives.",
            instructions: """
                When the manager gives you a task, answer with a short plan: the steps, what is unclear, and \
                what the coder should build first. Address the plan to the manager and the coder.
                """,
            workflow: "Reads the manager and the coder.", reads: ["manager", "coder"],
            tools: ["file_read", "file_write", "file_list", "file_search"]),
        AgentSpec(
            name: "coder", title: "Coder",
            description: "Implements the plans and reports what was built.",
            instructions: """
                Implement what the planner and the manager ask. Report what you built, or what blocks you, \
                to the manager; ask the reviewer for a review when something is ready.
                """,
            workflow: "Reads the manager, the planner and the reviewer.", reads: ["manager", "planner", "reviewer"],
            tools: ["file_read", "file_write", "file_append", "file_list", "file_search", "shell", "calculator"]),
        AgentSpec(
            name: "reviewer", title: "Reviewer",
            description: "Reviews the coder's work and reports problems.",
            instructions: """
                Review what the coder reports as ready. Answer the coder with concrete problems to fix, and tell \
                the manager when the work is acceptable.
                """,
            workflow: "Reads the manager and the coder.", reads: ["manager", "coder"],
            tools: ["file_read", "file_list", "file_search"]),
    ]

    static let modelKey = "sim"

    static func resume(_ spec: AgentSpec) -> JSONValue {
        [
            "name": .string(spec.name),
            "title": .string(spec.title),
            "short_description": .string(spec.description),
            "workflow_description": .string(spec.workflow),
            "instructions": .string(spec.instructions),
            "model": ["key": .string(modelKey), "temperature": 0.2, "max_tokens": 1024],
            "permissions": [
                "read_outboxes": .strings(spec.reads), "tools": .strings(spec.tools),
                "create_agents": .bool(spec.createAgents),
            ],
            "schedule": ["run_every_n_ticks": 1, "phase_offset": 0],
            "credits": ["max_credits": 10.0, "soft_cap": 1.0],
        ]
    }

    static func config(name: String) -> JSONValue {
        [
            "format": 1,
            "name": .string(name),
            "tick_period_seconds": 10,
            "execution": "parallel",
            "max_concurrent_turns": 8,
            "inbox": ["max_entries": 20, "max_characters": 16000],
            "outbox_retention_ticks": nil,
        ]
    }

    static let models: JSONValue = [
        "sim": [
            "provider": "scripted", "model": "simulation", "price_in_per_mtok": 0.15, "price_out_per_mtok": 0.6,
            "max_context_tokens": 128_000,
        ]
    ]

    static let workerTemplate = AgentDraft.workerResume

    static let gitignore = """
        # Runtime files of the engine; everything else in this org is worth committing.
        state/engine.lock
        state/journal/
        logs/engine*.jsonl
        # The search index: derived from the files, rebuilt when missing.
        state/search.sqlite*

        """

    /// Writes the org into `root` (which must not hold an org yet).
    static func write(to root: String, name: String) throws {
        let paths = OrgPaths(root: root)
        let pretty = JSONWriter(style: .pretty)
        guard !FileSystem.exists(paths.config) else {
            throw LemmingError(.invalidArgument, "an org already exists here (lemming.json)", path: root)
        }
        for directory in [paths.root, paths.agents, paths.shared, paths.outbox(Names.human), paths.state] {
            try FileSystem.makeDirectory(directory)
        }
        try FileSystem.makeDirectory(paths.templates + "/worker")
        for spec in agents {
            for directory in [paths.outbox(spec.name), paths.memory(spec.name), paths.workspace(spec.name)] {
                try FileSystem.makeDirectory(directory)
            }
            try FileSystem.writeAtomically(pretty.bytes(resume(spec)), to: paths.resume(spec.name))
        }
        try FileSystem.writeAtomically(pretty.bytes(workerTemplate), to: paths.template("worker"))
        try FileSystem.writeAtomically(pretty.bytes(models), to: paths.models)
        try FileSystem.writeAtomically(Array(gitignore.utf8), to: root + "/.gitignore")
        // lemming.json last: its presence marks the directory as an org.
        try FileSystem.writeAtomically(pretty.bytes(config(name: name)), to: paths.config)
    }
}
