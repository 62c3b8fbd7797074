/// Tools whose names and argument schemas are learnt at run time (DESIGN §7): the tools an MCP
/// server lists. They share a namespace (`mcp.<server>`); each is named `<namespace>.<tool>`.
///
/// A source starts whatever serves its tools only when an agent permitted to call one of them is
/// about to run (``prepare()``), and answers ``tools`` from what it learnt last, without waiting.
public protocol ToolSource: Sendable {
    /// The common prefix of the tools' names, without the final dot: `mcp.time`.
    var namespace: String { get }
    /// Whether calls of its tools wait for the human's approval.
    var requiresApproval: Bool { get }
    /// Makes ``tools`` current: starts the server and lists its tools if it is not running. Never
    /// throws; a failure leaves ``tools`` as it was and sets ``problem``.
    func prepare() async
    /// The tools as last listed, named with the namespace.
    var tools: [any Tool] { get }
    /// Why the tools cannot be used now (the server did not start, exited, is restarting), or `nil`.
    var problem: String? { get }
    /// What else an operator should know: tools the server listed that were left out, and why.
    var notes: [String] { get }
}

extension ToolSource {
    /// Sources have no notes unless they say otherwise.
    public var notes: [String] { [] }
}
