import LemmingCore
import LemmingJSON

extension SimulatedAgent {
    // MARK: - Coder

    /// A task is written into its file with `file_write`; the task is remembered until the write
    /// succeeded.
    mutating func coderTakes(_ entry: OutboxEntry) {
        let task = SimulatedTask(request: entry.text)
        guard mayCall("file_write") else {
            let outline = task.steps.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: " ")
            reply.send(
                "response", "I cannot write files (no file_write tool). My outline for \(task.topic): \(outline)",
                to: [entry.author], replyTo: entry.id.text)
            reply.note("no file_write")
            return
        }
        reply.call("file_write", ["path": .string(task.file), "content": .string(task.content)])
        reply.remember(
            "task",
            [
                "status": "writing", "topic": .string(task.topic), "file": .string(task.file),
                "from": .string(entry.author), "request": .string(entry.id.text),
            ])
        reply.send("response", "On it: writing \(task.file).", to: [entry.author], replyTo: entry.id.text)
        reply.note("writing \(task.file)")
    }

    /// Once the file is written, the reviewers that read the coder are asked for a review (or,
    /// with none, the task's author is told it is ready).
    mutating func coderSees(_ result: ToolResult) {
        guard result.tool == "file_write", let task = memory("task"), let file = task["file"]?.stringValue else {
            reply.note("\(result.tool): \(result.isSuccess ? "ok" : "failed")")
            return
        }
        let author = task["from"]?.stringValue ?? Names.human
        let request = task["request"]?.stringValue
        let reviewers = readers(playing: .reviewer)
        if result.error?.hasPrefix(Self.waitingForApproval) == true {
            reply.note("waiting for the human to approve writing \(file)")
        } else if !result.isSuccess {
            reply.send("report", "I could not write \(file): \(result.error ?? "unknown error").", to: [author])
            reply.remember("task", ["status": "failed"], operation: .merge)
        } else if !reviewers.isEmpty {
            let topic = task["topic"]?.stringValue ?? "the work"
            reply.send("request", "Please review \(file) (\(topic)).", to: reviewers, replyTo: request)
            reply.remember("task", ["status": "in review"], operation: .merge)
            reply.note("asked \(reviewers.joined(separator: ", ")) to review \(file)")
        } else {
            reply.send("report", "\(file) is ready.", to: [author], replyTo: request)
            reply.remember("task", ["status": "done"], operation: .merge)
        }
    }

    // MARK: - Reviewer

    /// A request naming a file is read with `file_read` (the review follows next turn); a task
    /// for later is acknowledged.
    mutating func reviewerTakes(_ entry: OutboxEntry) {
        let file = SimulatedTask.namedFile(in: entry.text)
        guard entry.kind == "request", let file else {
            let what = file.map { "review \($0) when it is ready" } ?? "review it when asked"
            reply.send("response", "Will do: I will \(what).", to: [entry.author], replyTo: entry.id.text)
            reply.note("acknowledged \(entry.author)")
            return
        }
        guard mayCall("file_read") else {
            reply.send(
                "response", "I cannot read \(file): I have no file_read tool.", to: [entry.author],
                replyTo: entry.id.text)
            return
        }
        reply.call("file_read", ["path": .string(file)])
        reply.remember(
            "reviewing", ["file": .string(file), "request": .string(entry.id.text), "from": .string(entry.author)])
        reply.note("reading \(file)")
    }

    /// The file read is reviewed: the review goes to whoever asked and the managers that read the
    /// reviewer, tagged `review` and `acceptable` or `changes-needed`.
    mutating func reviewerSees(_ result: ToolResult) {
        guard result.tool == "file_read", let reviewing = memory("reviewing"),
            let file = reviewing["file"]?.stringValue
        else {
            reply.note("\(result.tool): \(result.isSuccess ? "ok" : "failed")")
            return
        }
        let author = reviewing["from"]?.stringValue ?? Names.human
        let request = reviewing["request"]?.stringValue
        reply.forget("reviewing")
        guard result.isSuccess else {
            reply.send(
                "response", "I could not read \(file): \(result.error ?? "unknown error").", to: [author],
                replyTo: request)
            return
        }
        let review = SimulatedReview(file: file, content: result.output)
        let recipients = [author] + readers(playing: .manager).filter { $0 != author }
        reply.send(
            "response", review.text, to: recipients, replyTo: request,
            tags: ["review", review.isAcceptable ? "acceptable" : "changes-needed"])
        reply.remember("reviews", .string("\(file): \(review.verdict)"), operation: .append)
        reply.note("reviewed \(file): \(review.verdict)")
    }
}
