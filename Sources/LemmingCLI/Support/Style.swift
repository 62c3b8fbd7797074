import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ANSI colour for the terminal: only when standard output is a terminal, and never with
/// `NO_COLOR` set (https://no-color.org) or `TERM=dumb`.
struct Style {
    let isEnabled: Bool

    static var standardOutput: Style {
        let environment = ProcessInfo.processInfo.environment
        let wanted = environment["NO_COLOR"].map(\.isEmpty) ?? true
        return Style(isEnabled: wanted && environment["TERM"] != "dumb" && isatty(STDOUT_FILENO) == 1)
    }

    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Whether standard output can redraw a line in place (a terminal that is not `TERM=dumb`).
    static var canRedrawLine: Bool {
        isTerminal && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }
    static var isStandardInputTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    private func wrap(_ text: String, _ code: String) -> String {
        isEnabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    func bold(_ text: String) -> String { wrap(text, "1") }
    func dim(_ text: String) -> String { wrap(text, "2") }
    func red(_ text: String) -> String { wrap(text, "31") }
    func green(_ text: String) -> String { wrap(text, "32") }
    func yellow(_ text: String) -> String { wrap(text, "33") }
    func cyan(_ text: String) -> String { wrap(text, "36") }

    /// A search match: bold, or `[in brackets]` without colour.
    func marked(_ text: String) -> String { isEnabled ? bold(text) : "[\(text)]" }

    /// An agent state, coloured by how much it needs attention.
    func state(_ state: String) -> String {
        switch state {
        case "active": return green(state)
        case "paused", "loop_detected": return yellow(state)
        case "invalid_resume", "budget_exhausted": return red(state)
        case "disabled": return dim(state)
        default: return cyan(state)
        }
    }
}
