#include "db/session.h"

#include <strings.h>

#include <cstdlib>

namespace fw::db {

int Rows::Column(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (strcasecmp(columns[i].c_str(), name.c_str()) == 0) return static_cast<int>(i);
  }
  return -1;
}

std::string Rows::Text(size_t row, size_t column) const {
  if (row >= rows.size() || column >= rows[row].size() || !rows[row][column]) return "";
  return *rows[row][column];
}

int64_t Rows::Int(size_t row, size_t column, int64_t def) const {
  const std::string t = Text(row, column);
  if (t.empty()) return def;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end == t.c_str()) return def;
  return static_cast<int64_t>(v);
}

double Rows::Num(size_t row, const std::string& column, double def) const {
  const std::string t = Text(row, column);
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  return t.empty() || end == t.c_str() ? def : v;
}

std::string Rows::Text(size_t row, const std::string& column) const {
  const int c = Column(column);
  return c < 0 ? "" : Text(row, static_cast<size_t>(c));
}

int64_t Rows::Int(size_t row, const std::string& column, int64_t def) const {
  const int c = Column(column);
  return c < 0 ? def : Int(row, static_cast<size_t>(c), def);
}

Result<std::unique_ptr<Session>> Connect(const DatabaseConfig& db, const Credential& who,
                                         bool in_database) {
  if (db.kind == "postgres") return ConnectPostgres(db, who);
  return ConnectMysql(db, who, in_database);
}

}  // namespace fw::db
