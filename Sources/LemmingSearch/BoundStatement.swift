import GRDB
import GRDBSQLite

/// Runs one of GRDB's cached statements with values bound through SQLite's C interface, which
/// GRDB supports for what it does not cover ("Raw SQLite Pointers" in its documentation).
///
/// Used for the inserts and deletes of documents only: binding through `StatementArguments`
/// (boxed values, a nested closure per string) and GRDB's per-statement bookkeeping cost more
/// than SQLite's own work there (BENCHMARKS.md "Search"). Values are bound straight from the
/// caller's, without building an array. Runs inside GRDB's transaction; changes nothing GRDB
/// tracks (no schema, no transaction statements).
struct BoundStatement {
    /// Tells SQLite to copy a bound text (`SQLITE_TRANSIENT`, a macro C exports as a cast).
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    private let statement: Statement

    init(_ statement: Statement) {
        self.statement = statement
    }

    /// Binds the parameters in order through `bind`, then steps the statement to its end.
    ///
    /// - Throws: `DatabaseError` with SQLite's code and message when a step fails (a constraint,
    ///   a corrupt file: ``SearchIndex`` rebuilds on those).
    func run(in db: Database, _ bind: (inout Binder) -> Void) throws {
        let handle = statement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        sqlite3_reset(handle)
        var binder = Binder(handle: handle)
        bind(&binder)
        var code = sqlite3_step(handle)
        while code == SQLITE_ROW { code = sqlite3_step(handle) }
        guard code == SQLITE_DONE else {
            let message = db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }

    /// Binds the next parameter (1, 2, …) at each call.
    struct Binder {
        let handle: OpaquePointer
        private var index: Int32 = 0

        init(handle: OpaquePointer) {
            self.handle = handle
        }

        mutating func text(_ text: String?) {
            index += 1
            guard let text else {
                sqlite3_bind_null(handle, index)
                return
            }
            let index = index
            let bound = text.utf8.withContiguousStorageIfAvailable { bytes in
                bytes.withMemoryRebound(to: CChar.self) {
                    sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), BoundStatement.transient)
                }
            }
            if bound == nil {
                var copy = text
                copy.withUTF8 { bytes in
                    _ = bytes.withMemoryRebound(to: CChar.self) {
                        sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), BoundStatement.transient)
                    }
                }
            }
        }

        mutating func integer(_ number: Int64?) {
            index += 1
            if let number { sqlite3_bind_int64(handle, index, number) } else { sqlite3_bind_null(handle, index) }
        }

        mutating func integer(_ number: Int?) { integer(number.map(Int64.init)) }
    }
}
