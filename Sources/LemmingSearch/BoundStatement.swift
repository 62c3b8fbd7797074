import GRDB
import GRDBSQLite

/// Runs one of GRDB's cached statements with values bound through SQLite's C interface, which
/// GRDB supports for what it does not cover ("Raw SQLite Pointers" in its documentation).
///
/// Used for the two inserts of each document only: binding through `StatementArguments`
/// (boxed values, a nested closure per string) and GRDB's per-statement bookkeeping cost more
/// than SQLite's own work there — indexing took about 16 µs a document that way against 7 µs
/// from Python's C module (BENCHMARKS.md "Search"). Runs inside GRDB's transaction; changes
/// nothing GRDB tracks (no schema, no transaction statements).
struct BoundStatement {
    /// Tells SQLite to copy a bound text (`SQLITE_TRANSIENT`, a macro C exports as a cast).
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    private let statement: Statement
    private let handle: OpaquePointer

    init(_ statement: Statement) {
        self.statement = statement
        handle = statement.sqliteStatement
    }

    /// Binds `values` to the parameters in order and steps the statement to its end.
    ///
    /// - Throws: `DatabaseError` with SQLite's code and message when a step fails (a constraint,
    ///   a corrupt file: ``SearchIndex`` rebuilds on those).
    func run(_ values: [Value], in db: Database) throws {
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        sqlite3_reset(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null: sqlite3_bind_null(handle, index)
            case .integer(let number): sqlite3_bind_int64(handle, index, number)
            case .text(var text):
                text.withUTF8 { bytes in
                    _ = bytes.withMemoryRebound(to: CChar.self) {
                        sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), Self.transient)
                    }
                }
            }
        }
        var code = sqlite3_step(handle)
        while code == SQLITE_ROW { code = sqlite3_step(handle) }
        guard code == SQLITE_DONE else {
            let message = db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }

    /// A value to bind.
    enum Value {
        case null
        case integer(Int64)
        case text(String)

        init(_ text: String?) { self = text.map(Value.text) ?? .null }
        init(_ number: Int) { self = .integer(Int64(number)) }
    }
}
