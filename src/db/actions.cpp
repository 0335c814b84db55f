#include "db/actions.h"

#include <algorithm>
#include <cctype>

#include "db/session.h"
#include "runbook/quoting.h"

namespace fw::db {
namespace {

using runbook::ActionCall;
using runbook::ActionOutcome;

std::string Arg(const ActionCall& c, const char* name) {
  auto it = c.args.find(name);
  return it == c.args.end() ? "" : it->second;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Result<int64_t> Integer(const std::string& text, const std::string& what, int64_t min,
                        int64_t max) {
  if (text.empty() || text.size() > 18 ||
      !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return Fail(ErrorCode::kInvalidArgument,
                what + " must be a whole number, got \"" + text.substr(0, 40) + "\"");
  }
  const int64_t v = std::stoll(text);
  if (v < min || v > max) {
    return Fail(ErrorCode::kInvalidArgument,
                what + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return v;
}

Result<std::vector<int64_t>> Ids(const std::string& text, const char* what) {
  std::vector<int64_t> out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t comma = text.find(',', at);
    if (comma == std::string::npos) comma = text.size();
    std::string part = text.substr(at, comma - at);
    std::erase_if(part, [](unsigned char c) { return std::isspace(c); });
    if (!part.empty()) {
      auto id = Integer(part, what, 1, INT64_MAX / 2);
      if (!id) return Fail(id.error());
      out.push_back(*id);
    }
    at = comma + 1;
  }
  if (out.empty()) return Fail(ErrorCode::kInvalidArgument, std::string(what) + " is empty");
  return out;
}

Result<const DatabaseConfig*> Target(const DatabaseSettings& s, const ActionCall& c) {
  const std::string name = Arg(c, "database");
  if (name.empty()) {
    if (s.databases.size() == 1) return &s.databases.front();
    return Fail(ErrorCode::kInvalidArgument, c.action + " needs database: one of the " +
                                                 std::to_string(s.databases.size()) +
                                                 " databases in firewatch.yml");
  }
  const DatabaseConfig* db = s.Find(name);
  if (!db) {
    return Fail(ErrorCode::kNotFound,
                c.action + ": no database named \"" + name + "\" in firewatch.yml (databases:)");
  }
  return db;
}

// Which sessions a kill step means: explicit ids, or a filter.
struct Selection {
  std::vector<int64_t> ids;
  int64_t min_age = -1;
  std::string user, state;
  int64_t limit = 0;
};

Result<Selection> Select(const ActionCall& c, const DatabaseConfig& db, const char* id_arg) {
  Selection s;
  s.limit = db.max_kill;
  if (const std::string limit = Arg(c, "limit"); !limit.empty()) {
    auto v = Integer(limit, "limit", 1, db.max_kill);
    if (!v)
      return Fail(v.error().code(),
                  c.action + ": " + v.error().message() + " (databases[].actions.max_kill)");
    s.limit = *v;
  }
  s.user = Arg(c, "user");
  s.state = Lower(Arg(c, "state"));
  const std::string ids = Arg(c, id_arg);
  if (!ids.empty()) {
    auto v = Ids(ids, id_arg);
    if (!v) return Fail(v.error().code(), c.action + ": " + v.error().message());
    if (static_cast<int64_t>(v->size()) > s.limit) {
      return Fail(ErrorCode::kTooLarge, c.action + ": " + std::to_string(v->size()) +
                                            " sessions named, more than the limit of " +
                                            std::to_string(s.limit));
    }
    s.ids = std::move(*v);
    return s;
  }
  auto age = Integer(Arg(c, "min_age"), "min_age (seconds)", 0, 365LL * 86400);
  if (!age) return Fail(age.error().code(), c.action + ": " + age.error().message());
  s.min_age = *age;
  return s;
}

std::string IdList(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

// The SELECT that finds the sessions a kill may end, on MariaDB/MySQL.
Result<std::string> MysqlCandidates(const Selection& s) {
  std::string sql =
      "SELECT p.id FROM information_schema.processlist p WHERE p.id <> CONNECTION_ID()"
      " AND p.user NOT IN ('system user', 'event_scheduler', '')"
      " AND p.command NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID', 'Slave_IO',"
      " 'Slave_SQL', 'Slave_worker', 'Connect')";
  if (!s.ids.empty()) return sql + " AND p.id IN (" + IdList(s.ids) + ")";
  sql += " AND p.time >= " + std::to_string(s.min_age);
  if (!s.user.empty()) sql += " AND p.user = '" + runbook::QuoteSql(s.user) + "'";
  if (s.state == "sleep" || s.state == "idle") {
    sql += " AND p.command = 'Sleep'";
  } else if (s.state == "query" || s.state == "active") {
    sql += " AND p.command = 'Query'";
  } else if (s.state == "idle in transaction") {
    sql +=
        " AND p.command = 'Sleep' AND p.id IN (SELECT trx_mysql_thread_id FROM"
        " information_schema.innodb_trx)";
  } else if (!s.state.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "state must be sleep, query or \"idle in transaction\", got \"" + s.state + "\"");
  }
  return sql + " ORDER BY p.time DESC LIMIT " + std::to_string(s.limit + 1);
}

Result<std::string> PostgresCandidates(const Selection& s) {
  std::string sql =
      "SELECT a.pid AS id FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid"
      " WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()"
      " AND NOT r.rolsuper";
  if (!s.ids.empty()) return sql + " AND a.pid IN (" + IdList(s.ids) + ")";
  sql += " AND now() - coalesce(a.state_change, a.backend_start) >= interval '" +
         std::to_string(s.min_age) + " seconds'";
  if (!s.user.empty()) sql += " AND a.usename = E'" + runbook::QuoteSql(s.user) + "'";
  static const char* kStates[] = {"active", "idle", "idle in transaction",
                                  "idle in transaction (aborted)"};
  if (!s.state.empty()) {
    const std::string st = s.state == "sleep" ? "idle" : s.state == "query" ? "active" : s.state;
    if (std::none_of(std::begin(kStates), std::end(kStates),
                     [&](const char* k) { return st == k; })) {
      return Fail(ErrorCode::kInvalidArgument,
                  "state must be active, idle or \"idle in transaction\", got \"" + s.state + "\"");
    }
    sql += " AND a.state = '" + st + "'";
  }
  return sql + " ORDER BY coalesce(a.state_change, a.backend_start) LIMIT " +
         std::to_string(s.limit + 1);
}

// `id`: a session id, or "<id>" in a dry run's listing.
std::string KillStatement(const DatabaseConfig& db, const std::string& action,
                          const std::string& id) {
  if (db.kind != "postgres") return "KILL CONNECTION " + id;
  const char* fn = action == "pg_cancel_backend" ? "pg_cancel_backend" : "pg_terminate_backend";
  return std::string("SELECT ") + fn + "(" + id + ")";
}

Result<ActionOutcome> Kill(const ActionCall& c, const DatabaseConfig& db, bool dry_run) {
  const bool pg_only = c.action != "kill_connections";
  if (pg_only && db.kind != "postgres") {
    return Fail(ErrorCode::kInvalidArgument, c.action + " is for PostgreSQL; " + db.name +
                                                 " is MariaDB/MySQL: use kill_connections");
  }
  auto sel = Select(c, db, pg_only ? "pid" : "id");
  if (!sel) return Fail(sel.error());
  auto find = db.kind == "postgres" ? PostgresCandidates(*sel) : MysqlCandidates(*sel);
  if (!find) return Fail(find.error().code(), c.action + ": " + find.error().message());
  ActionOutcome out;
  out.command.push_back(*find);
  if (dry_run) {
    out.ok = true;
    out.command.push_back(KillStatement(db, c.action, "<id>"));
    out.output = "would end each session the SELECT returns (at most " +
                 std::to_string(sel->limit) + ") on " + db.name;
    return out;
  }
  if (db.actions.empty()) {
    return Fail(ErrorCode::kForbidden,
                db.name +
                    " has no account for actions: set databases[].actions.user in "
                    "firewatch.yml (diagnostics' read-only account is never used to act)");
  }
  auto session = Connect(db, db.actions, /*in_database=*/false);
  if (!session) return Fail(session.error());
  auto rows = (*session)->Query(*find);
  if (!rows) return Fail(rows.error().code(), c.action + ": " + rows.error().message());
  std::vector<int64_t> ids;
  for (size_t i = 0; i < rows->rows.size(); ++i) ids.push_back(rows->Int(i, "id", 0));
  const bool capped = static_cast<int64_t>(ids.size()) > sel->limit;
  if (capped) ids.resize(static_cast<size_t>(sel->limit));
  std::vector<int64_t> ended, failed;
  std::string errors;
  for (int64_t id : ids) {
    const std::string stmt = KillStatement(db, c.action, std::to_string(id));
    out.command.push_back(stmt);
    auto r = (*session)->Query(stmt);
    // pg_terminate_backend answers false for a pid that is already gone.
    if (r && (db.kind != "postgres" || r->Text(0, size_t{0}) == "t")) {
      ended.push_back(id);
    } else {
      failed.push_back(id);
      if (!r && errors.empty()) errors = r.error().message();
    }
  }
  if (!sel->ids.empty()) {
    for (int64_t id : sel->ids) {
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) failed.push_back(id);
    }
  }
  const char* verb = c.action == "pg_cancel_backend" ? "cancelled" : "ended";
  out.output = std::string(verb) + " " + std::to_string(ended.size()) + " session(s) on " +
               db.name + (ended.empty() ? "" : " (" + IdList(ended) + ")");
  if (capped) out.output += "; more matched than the limit of " + std::to_string(sel->limit);
  if (!failed.empty()) {
    out.output += "; not ended: " + IdList(failed) +
                  (errors.empty() ? " (gone, or a protected session)" : " (" + errors + ")");
  }
  // Named sessions must all end; a filter that matched nothing did its job.
  out.ok = sel->ids.empty() ? failed.size() < ids.size() || ids.empty() : failed.empty();
  return out;
}

Result<ActionOutcome> SetGlobal(const ActionCall& c, const DatabaseConfig& db, bool dry_run) {
  if (db.kind == "postgres") {
    return Fail(ErrorCode::kInvalidArgument,
                "set_global is for MariaDB/MySQL; on PostgreSQL settings change with ALTER SYSTEM "
                "and a reload or restart: declare a site action for it");
  }
  const std::string name = Lower(Arg(c, "name")), value = Arg(c, "value");
  std::string literal;
  if (name == "max_connections") {
    auto v = Integer(value, "max_connections", 10, 100'000);
    if (!v) return Fail(v.error());
    literal = std::to_string(*v);
  } else if (name == "long_query_time") {
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (value.empty() || *end || v < 0 || v > 3600) {
      return Fail(ErrorCode::kInvalidArgument, "long_query_time must be seconds from 0 to 3600");
    }
    literal = value;
  } else if (name == "slow_query_log") {
    const std::string v = Lower(value);
    if (v != "on" && v != "off" && v != "1" && v != "0") {
      return Fail(ErrorCode::kInvalidArgument, "slow_query_log must be ON or OFF");
    }
    literal = v == "on" || v == "1" ? "ON" : "OFF";
  } else {
    return Fail(ErrorCode::kInvalidArgument,
                "set_global may set max_connections, long_query_time or slow_query_log, not \"" +
                    name.substr(0, 64) + "\"");
  }
  const std::string stmt = "SET GLOBAL " + name + " = " + literal;
  const std::string check = "SELECT @@global." + name + " AS value";
  ActionOutcome out;
  out.command = {stmt, check};
  if (dry_run) {
    out.ok = true;
    out.output = "would run on " + db.name;
    return out;
  }
  if (db.actions.empty()) {
    return Fail(ErrorCode::kForbidden, db.name +
                                           " has no account for actions: set "
                                           "databases[].actions.user in firewatch.yml");
  }
  auto session = Connect(db, db.actions, /*in_database=*/false);
  if (!session) return Fail(session.error());
  if (auto r = (*session)->Query(stmt); !r)
    return Fail(r.error().code(), "set_global: " + r.error().message());
  auto now = (*session)->Query(check);
  out.ok = true;
  out.output = name + " is now " + (now ? now->Text(0, "value") : "?") + " on " + db.name;
  return out;
}

}  // namespace

bool IsDatabaseAction(const std::string& action) {
  return action == "kill_connections" || action == "pg_terminate_backend" ||
         action == "pg_cancel_backend" || action == "set_global";
}

Result<ActionOutcome> DbActionAdapter::Run(const ActionCall& call, bool dry_run) {
  if (site_declares_(call.action) || !IsDatabaseAction(call.action)) {
    return site_.Run(call, dry_run);
  }
  const DatabaseSettings settings = databases_.settings();
  if (settings.empty()) {
    return Fail(ErrorCode::kNotFound,
                call.action + " acts on a database, and firewatch.yml declares none (databases:)");
  }
  auto db = Target(settings, call);
  if (!db) return Fail(db.error());
  if (call.action == "set_global") return SetGlobal(call, **db, dry_run);
  return Kill(call, **db, dry_run);
}

}  // namespace fw::db
