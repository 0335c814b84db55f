#pragma once
// Small RAII helpers over the SQLite C API, private to the incident store:
// a statement that resets itself, a transaction that rolls back unless
// committed, and errors in the project's style.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace fw::incident::sql {

// "incident store <path>: <what>: <sqlite message>".
Error DbError(sqlite3* db, std::string_view what);

// Executes one or more statements without results.
Result<void> Exec(sqlite3* db, const char* sql);

// A prepared statement borrowed from a cache (or owned, for one-off SQL).
// Binding is 1-based like SQLite's; Reset() runs on destruction so a cached
// statement is always ready for the next caller.
class Stmt {
 public:
  Stmt(sqlite3_stmt* s, bool owned) : s_(s), owned_(owned) {}
  Stmt(Stmt&& o) noexcept : s_(o.s_), owned_(o.owned_) { o.s_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt();

  Stmt& Bind(int i, std::string_view v);
  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, std::optional<int64_t> v);  // nullopt binds NULL
  // SQLITE_ROW -> true, SQLITE_DONE -> false, anything else -> error.
  Result<bool> Step();
  Result<void> Run();  // steps to completion

  std::string Text(int col) const;
  int64_t Int(int col) const;
  std::optional<int64_t> OptInt(int col) const;

 private:
  sqlite3_stmt* s_;
  bool owned_;
};

// BEGIN IMMEDIATE on construction (so writers queue up front instead of
// failing to upgrade a read lock); ROLLBACK on destruction unless Commit()
// succeeded. COMMIT with synchronous=FULL in WAL mode fsyncs the log.
class Tx {
 public:
  explicit Tx(sqlite3* db);
  ~Tx();
  Result<void> Begin();
  Result<void> Commit();

 private:
  sqlite3* db_;
  bool open_ = false;
};

}  // namespace fw::incident::sql
