import Foundation
import LemmingCore
import Testing

/// docs/troubleshooting.md names every code a user can meet (issue 17: "every error message a user
/// can meet"): each `LemmingError` code, each turn stop reason, each reply-contract violation and each
/// HTTP API error code, as written in the sources. A new code fails this test until it is documented.
@Suite struct TroubleshootingDocsTests {
    static let document =
        (try? String(contentsOfFile: repositoryRoot + "/docs/troubleshooting.md", encoding: .utf8)) ?? ""

    /// Every Swift source of the product, concatenated.
    static let sources: String = {
        var text = ""
        let root = repositoryRoot + "/Sources"
        for case let path as String in FileManager.default.enumerator(atPath: root) ?? .init()
        where path.hasSuffix(".swift") {
            text += (try? String(contentsOfFile: root + "/" + path, encoding: .utf8)) ?? ""
        }
        return text
    }()

    /// The first capture group of every match of `pattern` in the sources.
    static func codes(_ pattern: String) throws -> Set<String> {
        let expression = try NSRegularExpression(pattern: pattern)
        let range = NSRange(sources.startIndex..., in: sources)
        return Set(
            expression.matches(in: sources, range: range).compactMap { match in
                Range(match.range(at: 1), in: sources).map { String(sources[$0]) }
            })
    }

    static func undocumented(_ codes: Set<String>) -> [String] {
        codes.filter { !document.contains("`\($0)`") }.sorted()
    }

    @Test func everyErrorCodeIsDocumented() throws {
        let codes = try Self.codes(#"Code\("([a-z_]+)"\)"#)
        #expect(codes.isSuperset(of: ["io", "invalid_file", "not_an_org", "locked", "provider", "rate_limited"]))
        #expect(Self.undocumented(codes) == [])
    }

    @Test func everyStopReasonIsDocumented() {
        #expect(Self.undocumented(Set(StopReason.allCases.map(\.rawValue))) == [])
    }

    @Test func everyReplyContractViolationIsDocumented() throws {
        let codes = try Self.codes(#"ContractViolation\(\s*"([a-z_]+)""#)
        #expect(codes.count > 20, "the pattern no longer finds the violations: \(codes)")
        #expect(Self.undocumented(codes) == [])
    }

    @Test func everyAPIErrorCodeIsDocumented() throws {
        let codes = try Self.codes(#"APIError\(\s*\.[a-zA-Z]+,\s*"([a-z_]+)""#)
        #expect(codes.isSuperset(of: ["not_found", "engine_running", "body_too_large"]))
        #expect(Self.undocumented(codes) == [])
    }
}
