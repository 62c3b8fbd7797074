import LemmingCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds programs, and the files the kernel must be allowed to execute to start one.
public enum ProgramLocator {
    /// The absolute path of `program` on `path` (a `PATH` value), or `nil`.
    public static func locate(_ program: String, path: String) -> String? {
        for directory in path.split(separator: ":") where directory.hasPrefix("/") {
            let candidate = directory + "/" + program
            if isExecutable(candidate) { return candidate }
        }
        return nil
    }

    /// The absolute path of a program as a tool's or server's `command` names it (DESIGN §7): an
    /// absolute path as is, one with a `/` relative to the org folder `root`, a bare name looked
    /// up on `path`; `nil` when a bare name is not found.
    public static func resolve(_ program: String, relativeTo root: String, path: String) -> String? {
        if program.hasPrefix("/") { return program }
        if program.contains("/") { return root + "/" + program }
        return locate(program, path: path)
    }

    /// Whether `path` is a regular file this process may execute.
    public static func isExecutable(_ path: String) -> Bool {
        access(path, X_OK) == 0 && FileSystem.info(path)?.isRegularFile == true
    }

    /// The dynamic loaders of this system (an ELF program's interpreter, which the kernel opens
    /// for execution too). Listed rather than read from each program's `PT_INTERP`, which names
    /// one of these.
    public static let loaders = [
        "/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1", "/lib/ld-linux-armhf.so.3",
        "/lib/ld-linux.so.2", "/lib/ld-musl-x86_64.so.1", "/lib/ld-musl-aarch64.so.1",
    ].filter { FileSystem.exists($0) }

    /// The files that must be executable to run `executable`: itself, the dynamic loaders, and
    /// for a script its `#!` interpreter (for `#!/usr/bin/env NAME`, also `NAME` found on `path`),
    /// followed to two levels.
    public static func executionChain(of executable: String, path: String) -> [String] {
        var chain = [executable]
        var current = executable
        for _ in 0..<2 {
            guard let line = shebang(current) else { break }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let interpreter = words.first, interpreter.hasPrefix("/") else { break }
            chain.append(interpreter)
            current = interpreter
            if interpreter.hasSuffix("/env"),
                let name = words.dropFirst().first(where: { !$0.hasPrefix("-") && !$0.contains("=") }),
                let program = name.hasPrefix("/") ? name : locate(name, path: path)
            {
                chain.append(program)
                current = program
            }
        }
        return chain + loaders
    }

    /// The `#!` line of a script (without `#!`), or `nil`.
    static func shebang(_ path: String) -> String? {
        guard let bytes = try? FileSystem.read(path, from: 0, maxCount: 256), bytes.starts(with: [0x23, 0x21]) else {
            return nil
        }
        let line = bytes.dropFirst(2).prefix { $0 != 0x0A }
        return String(decoding: line, as: UTF8.self).trimmingWhitespace()
    }

    /// The installation folders of programs: for a program in a `bin`, `sbin` or `shims` folder
    /// (as named, and once symlinks are followed), that folder's parent, where a language runtime
    /// keeps its libraries and helpers (pyenv's `libexec`, a virtual environment's `lib`). A
    /// sandboxed program may read and execute beneath them, so that a command such as `python3`
    /// from pyenv or a venv runs as it does outside the sandbox.
    ///
    /// Never a system prefix (`/`, `/usr`, `/usr/local`, `/opt`), nor a folder that holds any of
    /// `protected` (the home folder, the org, the folders the program may write: executing what a
    /// program can write would be a way out).
    public static func installationRoots(of programs: [String], protecting protected: [String]) -> [String] {
        var roots: [String] = []
        for program in programs {
            var candidates = [program]
            if let resolved = realPath(program), resolved != program { candidates.append(resolved) }
            for file in candidates {
                let folder = FileSystem.parentDirectory(of: file)
                guard ["bin", "sbin", "shims"].contains(folder.split(separator: "/").last.map(String.init) ?? "")
                else { continue }
                let root = FileSystem.parentDirectory(of: folder)
                guard !["/", "/usr", "/usr/local", "/opt", ""].contains(root), !roots.contains(root),
                    !protected.contains(where: { $0 == root || $0.hasPrefix(root + "/") })
                else { continue }
                roots.append(root)
            }
        }
        return roots
    }

    /// `path` with every symlink followed, or `nil` when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
