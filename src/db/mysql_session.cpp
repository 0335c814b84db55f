// Sessions over libmariadb (MariaDB Connector/C), which speaks to MariaDB
// and MySQL alike. Connect, read and write timeouts bound every round trip;
// the server is also asked to stop any statement of this session that runs
// past the timeout (max_statement_time on MariaDB, max_execution_time on
// MySQL), so a diagnostic query cannot add load for long.

#include <mysql.h>

#include <algorithm>

#include "db/session.h"

namespace fw::db {
namespace {

class MysqlSession final : public Session {
 public:
  explicit MysqlSession(MYSQL* m) : m_(m) {}
  ~MysqlSession() override { mysql_close(m_); }

  Result<Rows> Query(const std::string& sql) override {
    if (mysql_real_query(m_, sql.data(), sql.size()) != 0) return Error(sql);
    Rows out;
    MYSQL_RES* res = mysql_store_result(m_);
    if (!res) {
      if (mysql_field_count(m_) != 0) return Error(sql);
      out.affected = static_cast<size_t>(mysql_affected_rows(m_));
      return out;
    }
    const unsigned n = mysql_num_fields(res);
    MYSQL_FIELD* fields = mysql_fetch_fields(res);
    for (unsigned i = 0; i < n; ++i) out.columns.emplace_back(fields[i].name);
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      unsigned long* lengths = mysql_fetch_lengths(res);
      std::vector<std::optional<std::string>> r(n);
      for (unsigned i = 0; i < n; ++i) {
        if (row[i]) r[i] = std::string(row[i], lengths[i]);
      }
      out.rows.push_back(std::move(r));
    }
    mysql_free_result(res);
    // Drain further results (a procedure's), which would block the next query.
    while (mysql_more_results(m_) && mysql_next_result(m_) == 0) {
      if (MYSQL_RES* more = mysql_store_result(m_)) mysql_free_result(more);
    }
    return out;
  }

  Result<void> Use(const std::string& database) override {
    if (mysql_select_db(m_, database.c_str()) != 0) return std::unexpected(Error("USE").error());
    return {};
  }

  std::string server_version() const override { return mysql_get_server_info(m_); }
  bool mariadb() const override { return server_version().find("MariaDB") != std::string::npos; }

 private:
  std::unexpected<fw::Error> Error(const std::string& sql) const {
    const unsigned code = mysql_errno(m_);
    // 2013 lost connection / 3024 / 1969: the server or our read timeout ended it.
    const ErrorCode c = (code == 2013 || code == 3024 || code == 1969)   ? ErrorCode::kTimeout
                        : (code == 1142 || code == 1227 || code == 1044) ? ErrorCode::kForbidden
                                                                         : ErrorCode::kIo;
    std::string first = sql.substr(0, std::min<size_t>(sql.size(), 60));
    return Fail(c, std::string(mysql_error(m_)) + " (error " + std::to_string(code) +
                       ", in: " + first + (sql.size() > 60 ? "..." : "") + ")");
  }
  MYSQL* m_;
};

}  // namespace

Result<std::unique_ptr<Session>> ConnectMysql(const DatabaseConfig& db, const Credential& who,
                                              bool in_database) {
  auto password = who.Password();
  if (!password) return Fail(password.error());
  MYSQL* m = mysql_init(nullptr);
  if (!m) return Fail(ErrorCode::kInternal, "mysql_init failed (out of memory)");
  // Read timeouts are retried by the client, hence a third of the budget each.
  const unsigned connect_s = static_cast<unsigned>(std::max<int64_t>(1, db.timeout.count() / 1000));
  const unsigned io_s = std::max(1u, connect_s / 3);
  mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
  mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &io_s);
  mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &io_s);
  mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_options(m, MYSQL_READ_DEFAULT_GROUP, "firewatch");
  const char* host = db.socket.empty() ? db.host.c_str() : "localhost";
  const unsigned port = static_cast<unsigned>(db.port ? db.port : 3306);
  if (!mysql_real_connect(m, host, who.user.c_str(), password->c_str(),
                          db.database.empty() || !in_database ? nullptr : db.database.c_str(), port,
                          db.socket.empty() ? nullptr : db.socket.c_str(), 0)) {
    const unsigned code = mysql_errno(m);
    std::string why = mysql_error(m);
    mysql_close(m);
    const ErrorCode c = code == 1045 || code == 1044 ? ErrorCode::kUnauthorized
                        : code == 2013               ? ErrorCode::kTimeout
                                                     : ErrorCode::kIo;
    return Fail(
        c, "cannot connect to " + db.name + " at " + db.Address() + " as " + who.user + ": " + why);
  }
  auto session = std::make_unique<MysqlSession>(m);
  const int64_t ms = db.timeout.count();
  if (session->mariadb()) {
    (void)session->Query("SET SESSION max_statement_time = " + std::to_string(ms / 1000.0));
  } else {
    (void)session->Query("SET SESSION max_execution_time = " + std::to_string(ms));
  }
  return std::unique_ptr<Session>(std::move(session));
}

}  // namespace fw::db
