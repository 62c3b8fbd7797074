import GRDB
import LemmingCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a look at `state/search.sqlite` as it is finds (`lemming index status --check`).
public enum SearchIndexFileCheck: Sendable, Equatable {
    /// There is no file: the next use builds it.
    case missing
    /// SQLite's `PRAGMA quick_check` finds nothing wrong.
    case sound
    /// The file is of another schema version: the next use rebuilds it.
    case otherSchema(Int)
    /// Not a database, or a damaged one: what SQLite says. The next use rebuilds it.
    case damaged(String)
}

extension SearchIndex {
    /// Checks the index file without opening it as an index: unlike ``check()``, which runs on an
    /// open index (opening rebuilds a file that is not a database), it repairs nothing and so can
    /// say what is wrong.
    public static func checkFile(_ paths: OrgPaths) -> SearchIndexFileCheck {
        guard FileSystem.info(paths.searchIndex) != nil else { return .missing }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(10)
            let queue = try DatabaseQueue(path: paths.searchIndex, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                guard version == SearchSchema.version else { return .otherSchema(version) }
                let problems = try String.fetchAll(db, sql: "PRAGMA quick_check")
                return problems == ["ok"] ? .sound : .damaged(problems.joined(separator: "; "))
            }
        } catch let error as DatabaseError {
            return .damaged(error.message ?? "\(error.resultCode)")
        } catch {
            return .damaged("\(error)")
        }
    }

    /// Deletes what rebuilds that were killed left behind: `state/search.sqlite.rebuild-<pid>`
    /// files (and their journal files) of processes that no longer run.
    ///
    /// - Returns: the names removed.
    @discardableResult
    public static func removeAbandonedRebuilds(_ paths: OrgPaths) -> [String] {
        let prefix = (paths.searchIndex.split(separator: "/").last.map(String.init) ?? "") + ".rebuild-"
        var removed: [String] = []
        for name in (try? FileSystem.list(paths.state)) ?? [] where name.hasPrefix(prefix) {
            let digits = name.dropFirst(prefix.count).prefix { $0.isNumber }
            guard let pid = Int32(digits), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            if (try? FileSystem.remove(paths.state + "/" + name)) != nil { removed.append(name) }
        }
        return removed.sorted()
    }
}
