import LemmingCore
import LemmingJSON

/// The org `lemming demo` runs: ``OrgTemplate``'s team, where every `file_write` waits for the
/// human's approval (`tools.require_approval`) and the coder has a small budget, so that one run
/// shows an approval and a budget warning.
enum DemoOrg {
    /// The coder's budget: its second turn (its first write) takes its balance below the warning
    /// level, and it still has enough for the rest of the demo.
    static let coderCredits: (maxCredits: Double, softCap: Double) = (0.004, 0.0036)
    /// The tool whose calls wait for the human.
    static let approvedTool = "file_write"

    /// Writes the demo org into `root` (which must not hold an org yet).
    static func write(to root: String) throws {
        try OrgTemplate.write(to: root, name: "demo")
        let paths = OrgPaths(root: root)
        let pretty = JSONWriter(style: .pretty)
        var config = OrgTemplate.config(name: "demo").objectValue ?? JSONObject()
        config["tools"] = ["require_approval": .strings([approvedTool])]
        try FileSystem.writeAtomically(pretty.bytes(.object(config)), to: paths.config)
        guard let coder = OrgTemplate.agents.first(where: { $0.name == "coder" }) else { return }
        var resume = OrgTemplate.resume(coder).objectValue ?? JSONObject()
        resume["credits"] = [
            "max_credits": .double(coderCredits.maxCredits), "soft_cap": .double(coderCredits.softCap),
        ]
        try FileSystem.writeAtomically(pretty.bytes(.object(resume)), to: paths.resume(coder.name))
    }
}
