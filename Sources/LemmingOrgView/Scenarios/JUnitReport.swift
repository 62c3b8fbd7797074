import Foundation

/// Scenario results as JUnit XML (`lemming test --junit FILE`), the report CI systems read
/// (GitHub Actions reporters, GitLab, Jenkins, Buildkite).
///
/// The common JUnit schema (`testsuites` › `testsuite` › `testcase` › `failure`/`error`, the
/// shape of the Ant JUnit task and Maven Surefire reports): one `testsuite` per scenario, named
/// after it, with one `testcase` per check (`classname` is the scenario's name; the first is
/// `run`); a failed check has a `failure` (`type="assertion"`) whose `message` is the reason; a
/// scenario that could not run has one `run` test case with an `error`. Times are seconds (the
/// whole run is timed, so it is on `run`).
public enum JUnitReport {
    /// The XML document, UTF-8, ending with a newline.
    public static func xml(_ results: [ScenarioResult]) -> String {
        let tests = results.reduce(0) { $0 + max($1.checks.count, 1) }
        let failures = results.reduce(0) { $0 + $1.checks.filter { !$0.passed }.count }
        let errors = results.filter { $0.error != nil }.count
        let time = results.reduce(0) { $0 + $1.durationSeconds }
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<testsuites name="lemming test" tests="\#(tests)" failures="\#(failures)" errors="\#(errors)" "#
                + #"time="\#(seconds(time))">"#,
        ]
        for result in results {
            let suite = escape(result.name)
            let suiteFailures = result.checks.filter { !$0.passed }.count
            lines.append(
                #"  <testsuite name="\#(suite)" tests="\#(max(result.checks.count, 1))" "#
                    + #"failures="\#(suiteFailures)" errors="\#(result.error == nil ? 0 : 1)" skipped="0" "#
                    + #"time="\#(seconds(result.durationSeconds))" file="\#(escape(result.file))">"#)
            if let error = result.error {
                lines.append(
                    #"    <testcase name="run" classname="\#(suite)" time="\#(seconds(result.durationSeconds))">"#)
                lines.append(#"      <error message="\#(escape(error))" type="error">\#(escape(error))</error>"#)
                lines.append("    </testcase>")
            }
            for (index, check) in result.checks.enumerated() {
                let time = seconds(index == 0 ? result.durationSeconds : 0)
                let open = #"    <testcase name="\#(escape(check.name))" classname="\#(suite)" time="\#(time)""#
                if check.passed {
                    lines.append(open + "/>")
                } else {
                    lines.append(open + ">")
                    lines.append(
                        #"      <failure message="\#(escape(check.detail))" type="assertion">"#
                            + "\(escape(check.detail))</failure>")
                    lines.append("    </testcase>")
                }
            }
            lines.append("  </testsuite>")
        }
        lines.append("</testsuites>")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func seconds(_ value: Double) -> String {
        String(format: "%.3f", value)
    }

    /// Text as XML character data or an attribute value: `&`, `<`, `>`, `"` and `'` escaped, and the
    /// characters XML 1.0 cannot hold (control characters but tab, newline and carriage return)
    /// replaced by U+FFFD.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                let allowed = value >= 0x20 && !(0xFFFE...0xFFFF).contains(value)
                result.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return result
    }
}
