import Foundation
import LemmingA2A
import LemmingCore

/// `lemming doctor` on the remote A2A agents of `a2a.agents`: their header variables are set, and
/// their Agent Card can be fetched and offers a JSON-RPC interface.
extension DoctorCommand {
    func check(remote agent: A2ASettings.RemoteAgent) async -> Check {
        let environment = ProcessInfo.processInfo.environment
        var headers: [String: String] = [:]
        for (header, variable) in agent.headersFromEnvironment.sorted(by: { $0.key < $1.key }) {
            guard let value = environment[variable], !value.isEmpty else {
                return Check(
                    key: agent.toolName, provider: "a2a", ok: false,
                    detail: "\(variable) is not set (header \(header))")
            }
            headers[header] = value
        }
        if noCall {
            return Check(key: agent.toolName, provider: "a2a", ok: true, detail: "configured (no request sent)")
        }
        let start = ContinuousClock.now
        do {
            let card = try await A2AClient(headers: headers).fetchCard(agent.url, timeout: .seconds(15))
            let elapsed = ContinuousClock.now - start
            guard let interface = card.jsonRPCInterface else {
                return Check(
                    key: agent.toolName, provider: "a2a", ok: false,
                    detail: "the Agent Card of '\(card.name)' offers no JSON-RPC interface")
            }
            return Check(
                key: agent.toolName, provider: "a2a", ok: true,
                detail: "'\(card.name)' at \(interface.url), \(card.skills.count) skills"
                    + (card.streaming ? ", streaming" : ""),
                milliseconds: Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
            )
        } catch {
            return Check(key: agent.toolName, provider: "a2a", ok: false, detail: "\(error)")
        }
    }
}
