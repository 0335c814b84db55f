#include "incident/sqlite_util.h"

namespace fw::incident::sql {

Error DbError(sqlite3* db, std::string_view what) {
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  std::string msg = "incident store";
  if (file && *file) msg += " " + std::string(file);
  msg += ": " + std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
  return Error(ErrorCode::kIo, msg);
}

Result<void> Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) == SQLITE_OK) return {};
  std::string msg = err ? err : "unknown error";
  sqlite3_free(err);
  return Fail(ErrorCode::kIo, "incident store: " + msg + " (in: " + std::string(sql, 0, 60) + ")");
}

Stmt::~Stmt() {
  if (s_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(s_);
  } else {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
}

Stmt& Stmt::Bind(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, std::optional<int64_t> v) {
  if (v) return Bind(i, *v);
  sqlite3_bind_null(s_, i);
  return *this;
}

Result<bool> Stmt::Step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Fail(DbError(sqlite3_db_handle(s_), "step"));
}

Result<void> Stmt::Run() {
  for (;;) {
    auto row = Step();
    if (!row) return Fail(row.error());
    if (!*row) return {};
  }
}

std::string Stmt::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string();
}
int64_t Stmt::Int(int col) const { return sqlite3_column_int64(s_, col); }
std::optional<int64_t> Stmt::OptInt(int col) const {
  if (sqlite3_column_type(s_, col) == SQLITE_NULL) return std::nullopt;
  return Int(col);
}

Tx::Tx(sqlite3* db) : db_(db) {}
Tx::~Tx() {
  if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}
Result<void> Tx::Begin() {
  auto r = Exec(db_, "BEGIN IMMEDIATE");
  if (r) open_ = true;
  return r;
}
Result<void> Tx::Commit() {
  auto r = Exec(db_, "COMMIT");
  if (r) open_ = false;
  return r;
}

}  // namespace fw::incident::sql
