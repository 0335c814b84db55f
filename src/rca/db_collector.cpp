// Database evidence from what each database said at the onset: connections
// against max_connections, sessions the application checked out and never
// returned, statements running long, who blocks whom on row locks, the
// slowest statements and the plan of the slowest. Every item cites the
// statement that showed it.
//
// Leaks are judged against the pool, never on a fixed idle time: a pooled
// connection idle in the pool sleeps as long as the pool lets it (LIFO pools
// keep some asleep for minutes). A session is judged leaked only if it slept
// far past the pool's declared idle and max-lifetime settings, or slept
// through a stretch in which the pool had requests waiting (an idle pooled
// connection would have been handed to one of them at once).

#include <algorithm>
#include <map>

#include "rca/features.h"

namespace fw::rca {
namespace {

constexpr int64_t kLongQueryS = 30;
// As the catalog: a signal moved when it left its baseline by this many scales.
constexpr double kPoolMovedZ = 4;

bool SystemUser(const std::string& u) {
  return u == "event_scheduler" || u == "system user" || u == "exporter" || u == "repl" ||
         u == "replication" || u == "postgres" || u == "rdsadmin";
}

std::string Statement(const DbSnapshot& s, const char* purpose) {
  auto it = s.statements.find(purpose);
  return it == s.statements.end() ? "" : it->second;
}

std::string Shorten(std::string text, size_t n = 160) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (text.size() > n) text = text.substr(0, n) + "...";
  return text;
}

// The most connected non-system user: the application, unless declared.
std::string AppUser(const DbSnapshot& s) {
  if (!s.app_user.empty()) return s.app_user;
  std::map<std::string, int> per_user;
  for (const DbProcess& p : s.processes) {
    if (!SystemUser(p.user)) ++per_user[p.user];
  }
  std::string best;
  for (const auto& [u, n] : per_user) {
    if (best.empty() || n > per_user[best]) best = u;
  }
  return best;
}

// How long an application session must have slept to be judged leaked
// (seconds), or -1 when nothing about the pool allows a verdict.
int64_t LeakThresholdS(const DbSnapshot& s, const Features& f) {
  int64_t threshold = -1;
  const int64_t declared = std::max(s.pool_idle_timeout_s, s.pool_max_lifetime_s);
  if (declared > 0) threshold = declared + declared / 2;
  Timestamp waited = 0;
  for (Timestamp t :
       {f.pool_pending.FirstMoved(kPoolMovedZ, 1), f.pool_timeouts.FirstMoved(kPoolMovedZ, 1)}) {
    if (t && (!waited || t < waited)) waited = t;
  }
  for (const LogTemplate* t : f.Templates(kLogPool)) {
    if (t->first_seen && (!waited || t->first_seen < waited)) waited = t->first_seen;
  }
  if (waited && waited <= f.now) {
    // Requests have waited since `waited`: a session asleep for longer than
    // that stretch (at least 5 s, at most 30 s of it) was not in the pool.
    const int64_t waiting_s = std::clamp<int64_t>((f.now - waited) / 1000, 5, 30);
    threshold = threshold < 0 ? waiting_s : std::min(threshold, waiting_s);
  }
  return threshold;
}

struct Adder {
  const DbSnapshot& snap;
  const std::string suffix;  // "@name" when more than one database answered
  DbState& state;
  Analysis& a;
  std::string operator()(const std::string& id, std::string title, std::string detail,
                         const char* purpose, double score) {
    Evidence e;
    e.kind = EvidenceKind::kDatabase;
    e.id = "db:" + id + suffix;
    e.title = std::move(title);
    if (!suffix.empty()) e.title = snap.name + ": " + e.title;
    e.detail = std::move(detail);
    e.query = Statement(snap, purpose);
    e.language = "sql";
    e.score = score;
    state.evidence_ids.push_back(e.id);
    a.evidence.push_back(std::move(e));
    return "db:" + id + suffix;
  }
};

void Connections(const DbSnapshot& s, Adder& add, DbState& st) {
  if (s.connections < 0 || s.max_connections <= 0) return;
  const double usage = static_cast<double>(s.connections) / static_cast<double>(s.max_connections);
  const std::string id =
      add("connections",
          std::to_string(s.connections) + " of max_connections " +
              std::to_string(s.max_connections) + " in use (" + FormatPercent(usage) + ")",
          "connected sessions against the server's limit", "connections", usage);
  if (usage > st.usage) {
    st.usage = usage;
    st.usage_id = id;
  }
}

void Leaks(const DbSnapshot& s, const std::string& app, const Features& f, Adder& add,
           DbState& st) {
  const int64_t threshold = LeakThresholdS(s, f);
  int asleep = 0;
  int64_t oldest = 0;
  std::string ids;
  for (const DbProcess& p : s.processes) {
    if (p.user != app || p.command != "Sleep" || p.trx_age_s > 0) continue;
    if (threshold < 0 || p.time_s < threshold) continue;
    ++asleep;
    oldest = std::max(oldest, p.time_s);
    ids += (ids.empty() ? "" : ",") + std::to_string(p.id);
  }
  if (asleep < 3 || asleep <= st.app_long_idle) return;
  st.app_long_idle = asleep;
  st.max_idle_s = oldest;
  st.leaked_ids = ids;
  st.app_user = app;
  st.name = s.name;
  const bool declared = s.pool_idle_timeout_s > 0 || s.pool_max_lifetime_s > 0;
  st.leak_id = add(
      "idle_app_connections",
      std::to_string(asleep) + " " + app + " sessions asleep " + std::to_string(threshold) +
          " s or longer (oldest " + std::to_string(oldest) + " s): checked out and never returned",
      declared ? "asleep far past the pool's declared idle timeout and max lifetime, which "
                 "retire idle pooled connections"
               : "asleep while requests waited for a connection: an idle pooled connection "
                 "would have been handed to a waiting request at once",
      "processlist", static_cast<double>(asleep));
}

void LongAndRunning(const DbSnapshot& s, const std::string& app, Adder& add, DbState& st) {
  int long_queries = 0, running = 0;
  const DbProcess* longest = nullptr;
  std::map<std::string, int> running_text;
  for (const DbProcess& p : s.processes) {
    if (p.command != "Query" || SystemUser(p.user)) continue;
    if (p.time_s > kLongQueryS) ++long_queries;
    if (!longest || p.time_s > longest->time_s) longest = &p;
    if (p.user == app && p.time_s >= 1 && !p.info.empty() &&
        p.wait.find("ock") == std::string::npos) {
      ++running;
      ++running_text[p.info];
    }
  }
  if (long_queries > 0) {
    st.long_queries += long_queries;
    add("long_queries",
        std::to_string(long_queries) + " statements running longer than " +
            std::to_string(kLongQueryS) + " s (longest " + std::to_string(longest->time_s) +
            " s: " + Shorten(longest->info) + ")",
        "from the process list", "processlist", static_cast<double>(long_queries));
  }
  if (running >= 3) {
    std::string common;
    for (const auto& [text, n] : running_text) {
      if (common.empty() || n > running_text[common]) common = text;
    }
    st.running_slow = std::max(st.running_slow, running);
    st.running_id =
        add("running_statements",
            std::to_string(running) + " " + app +
                " statements running for a second or more; the most common: " + Shorten(common),
            "statements that run for seconds hold their connections as long", "processlist",
            static_cast<double>(running));
  }
}

void Locks(const DbSnapshot& s, const std::string& app, Adder& add, DbState& st) {
  if (!s.lock_waits.empty()) {
    std::map<int64_t, int> by_blocker;
    for (const DbLockWait& w : s.lock_waits) ++by_blocker[w.blocking_id];
    const DbLockWait* top = &s.lock_waits.front();
    for (const DbLockWait& w : s.lock_waits) {
      if (by_blocker[w.blocking_id] > by_blocker[top->blocking_id]) top = &w;
    }
    st.lock_waits += static_cast<int>(s.lock_waits.size());
    st.lock_id = add(
        "lock_waits",
        std::to_string(s.lock_waits.size()) + " statements wait for row locks (" +
            std::to_string(by_blocker[top->blocking_id]) + " behind session " +
            std::to_string(top->blocking_id) + ")",
        "waiting: " + Shorten(top->waiting_query) + " for " + std::to_string(top->wait_s) + " s",
        "lock_waits", static_cast<double>(s.lock_waits.size()));
    std::string what = "session " + std::to_string(top->blocking_id) + " (" + top->blocking_user +
                       (top->blocking_host.empty() ? "" : "@" + top->blocking_host) + ")";
    if (top->blocking_idle_s >= 0) {
      what += " idle " + std::to_string(top->blocking_idle_s) + " s in an open transaction";
    } else {
      what += " running " + Shorten(top->blocking_query, 80);
    }
    if (top->blocking_trx_age_s >= 0) {
      what += ", transaction " + std::to_string(top->blocking_trx_age_s) + " s old";
    }
    st.blocker = what;
    st.blocker_id = std::to_string(top->blocking_id);
    st.name = s.name;
    st.blocker_evidence_id =
        add("blocker", what + " blocks them",
            top->blocking_query.empty() ? "its last statement is not known"
                                        : "its last statement: " + Shorten(top->blocking_query),
            "lock_waits", static_cast<double>(by_blocker[top->blocking_id]));
    return;
  }
  if (!st.blocker.empty()) return;
  // No lock-wait view answered (or the simulator): a session of another user
  // asleep for minutes inside a transaction is the classic blocker.
  const DbProcess* blocker = nullptr;
  for (const DbProcess& p : s.processes) {
    if (SystemUser(p.user) || p.command != "Sleep" || p.db.empty()) continue;
    const bool in_trx = p.trx_age_s > 60 || (p.trx_age_s < 0 && p.user != app && p.time_s > 60);
    if (in_trx && (!blocker || p.time_s > blocker->time_s)) blocker = &p;
  }
  if (!blocker) return;
  st.blocker = "session " + std::to_string(blocker->id) + " (" + blocker->user + "@" +
               blocker->host + ") idle " + std::to_string(blocker->time_s) + " s";
  st.blocker_id = std::to_string(blocker->id);
  st.name = s.name;
  st.blocker_evidence_id =
      add("idle_transaction", st.blocker + " in database " + blocker->db,
          "a session asleep for minutes inside a transaction holds every row lock it took",
          "processlist", static_cast<double>(blocker->time_s));
}

void Statements(const DbSnapshot& s, Adder& add, DbState& st) {
  if (!s.deadlock.empty()) {
    add("deadlock", "the latest deadlock: " + Shorten(s.deadlock, 120), Shorten(s.deadlock, 2000),
        "deadlock", 1);
  }
  if (!s.slow.empty()) {
    const DbDigest& d = s.slow.front();
    std::string detail = std::to_string(d.calls) + " calls, " + FormatNumberShort(d.total_s) +
                         " s in total, from " + d.source;
    if (d.rows_examined > 0 && d.calls > 0) {
      detail += "; " + FormatNumberShort(static_cast<double>(d.rows_examined) / d.calls) +
                " rows examined per call";
    }
    st.slow_id = add(
        "slow_statements",
        "slowest statement: " + FormatNumberShort(d.mean_ms) + " ms on average: " + Shorten(d.text),
        detail, "slow", d.mean_ms / 1000);
  }
  if (s.plan) {
    const DbPlan& p = *s.plan;
    std::string title =
        p.full_scan
            ? "EXPLAIN: a full scan of " + p.table + " (" +
                  FormatNumberShort(static_cast<double>(p.rows)) + " rows, no index)"
            : "EXPLAIN: " + p.access + " on " + p.table + (p.key.empty() ? "" : " using " + p.key) +
                  " (" + FormatNumberShort(static_cast<double>(p.rows)) + " rows)";
    if (p.full_scan) st.full_scan = true;
    st.plan_id = add("plan", title, "plan of: " + Shorten(p.statement) + "\n" + p.text, "plan",
                     p.full_scan ? 2.0 : 0.0);
  }
}

}  // namespace

void CollectDatabase(DbDiagnostics& db, Features& f, Analysis& a) {
  auto snaps = db.Diagnose(f.services);
  if (!snaps) {
    a.gaps.push_back("database diagnostics: " + snaps.error().message());
    return;
  }
  DbState& st = f.db;
  for (const DbSnapshot& s : *snaps) {
    if (!s.error.empty()) {
      a.gaps.push_back("database " + s.name + ": " + s.error);
      continue;
    }
    for (const std::string& g : s.gaps) a.gaps.push_back("database " + s.name + ": " + g);
    st.present = true;
    Adder add{s, snaps->size() > 1 ? "@" + s.name : "", st, a};
    const std::string app = AppUser(s);
    int sessions = 0, app_sessions = 0;
    for (const DbProcess& p : s.processes) {
      if (SystemUser(p.user)) continue;
      ++sessions;
      app_sessions += p.user == app;
    }
    st.connections += sessions;
    add("processlist",
        std::to_string(sessions) + " client sessions (" + std::to_string(app_sessions) + " of " +
            (app.empty() ? "none" : app) + ")",
        "the process list at " + FormatTime(f.now), "processlist", 0);
    Connections(s, add, st);
    Leaks(s, app, f, add, st);
    LongAndRunning(s, app, add, st);
    Locks(s, app, add, st);
    Statements(s, add, st);
    if (st.name.empty()) st.name = s.name;
  }
}

}  // namespace fw::rca
