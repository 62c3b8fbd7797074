/// What a `shell` argument may name: nothing outside the sandbox.
///
/// No shell runs, so metacharacters are inert; what remains is an argument naming a file
/// outside the workspace. Each argument, the value after its first `=` (`--file=x`) and the
/// value of an attached short option, after any letter of a cluster (`-fx`, `-uox`), are
/// checked: none may be absolute, start with `~` or hold a `..` segment, and taken as a path
/// from the workspace it must resolve (symlinks followed) inside the sandbox.
///
/// This is a second line only: no argument check can know every option of every program
/// (`sort --compress-program=sh`), so the programs run inside the kernel sandbox.
enum ShellArgumentPolicy {
    static func problem(with argument: String, sandbox: Sandbox) -> String? {
        guard !argument.contains("\0") else { return "an argument contains a NUL byte" }
        for candidate in candidates(argument) {
            if candidate.hasPrefix("/") {
                return "argument '\(argument)' names an absolute path; use paths relative to your workspace"
            }
            if candidate.hasPrefix("~") { return "argument '\(argument)' starts with '~'; use relative paths" }
            if candidate.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
                return "argument '\(argument)' contains '..'; arguments may not leave your workspace"
            }
            if !candidate.isEmpty, !sandbox.keepsInside(relative: candidate) {
                return "argument '\(argument)' leads outside your workspace (through a symlink)"
            }
        }
        return nil
    }

    /// The parts of an argument that could be paths.
    static func candidates(_ argument: String) -> [String] {
        var result = [argument]
        if let equals = argument.firstIndex(of: "=") {
            result.append(String(argument[argument.index(after: equals)...]))
        }
        // A cluster of short options takes its value after any of them (`-uo/path`).
        if argument.hasPrefix("-"), !argument.hasPrefix("--"), argument.count > 2 {
            for start in 2..<argument.count { result.append(String(argument.dropFirst(start))) }
        }
        return result
    }
}
