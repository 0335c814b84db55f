// The database: connections, load-dependent query latency, locks, the slow
// query counter and a MySQL-like process list.

#include <algorithm>
#include <cmath>

#include "sim/model.h"

namespace fw::sim {
namespace {

constexpr double kOtherConnections = 2;  // the exporter and a replica

const ActiveFault* LockBlocker(const World& w) {
  for (const ActiveFault& f : w.faults) {
    if (f.spec.type == FaultType::kLockContention) return &f;
  }
  return nullptr;
}

}  // namespace

void StepDatabase(World& w) {
  Database& db = w.db;
  double connected = kOtherConnections + (LockBlocker(w) ? 1 : 0);
  for (const Instance& i : w.instances) {
    if (i.state != InstanceState::kInService) continue;
    connected += std::max(0.0, i.pool_open - static_cast<double>(i.leaked.size()));
    for (const LeakedConnection& c : i.leaked) connected += c.alive_in_db;
  }
  db.threads_connected = std::min<double>(connected, db.max_connections);
  db.threads_running = 1 + w.db_running;
  db.utilisation = std::min(1.0, w.db_cpu_demand / w.sc.env.database.cores);
  // Queries slow down as the database's CPUs fill (processor sharing), smoothed
  // because a buffer pool and thread scheduler do not react instantly.
  const double target = 1 / (1 - std::min(db.utilisation, 0.9));
  db.query_factor = 0.7 * db.query_factor + 0.3 * target;
  db.questions += w.rng.RoundCount(w.db_queries);
  db.slow_queries += w.rng.RoundCount(w.db_slow);
  db.row_lock_waits += w.rng.RoundCount(w.db_lock_waits);
  // Little's law: statements blocked now = lock waits per second x wait time.
  db.row_lock_current_waits =
      w.db_lock_waits / w.dt() * w.sc.env.database.lock_wait_timeout.count() / 1000.0;
  db.aborted_connects += w.rng.RoundCount(w.db_refused);
  w.db_queries = w.db_slow = w.db_lock_waits = w.db_cpu_demand = w.db_running = w.db_refused = 0;
  w.db_free_slots = db.max_connections - db.threads_connected;
}

std::vector<ProcessRow> BuildProcessList(const World& w) {
  std::vector<ProcessRow> rows;
  rows.push_back({1, "event_scheduler", "localhost", "", "Daemon", "Waiting on empty queue", "",
                  (w.now - w.sc.start) / 1000});
  rows.push_back({2, "exporter", "10.0.9.4:41822", "", "Sleep", "", "", 3});
  if (const ActiveFault* f = LockBlocker(w)) {
    rows.push_back({f->blocker_conn_id, "reporting", "10.0.9.21:51312", "shop", "Sleep", "", "",
                    (w.now - f->start) / 1000});
  }
  for (const Instance& i : w.instances) {
    if (i.state != InstanceState::kInService) continue;
    const std::string host = i.ip + ":";
    const int healthy = static_cast<int>(
        std::lround(std::max(0.0, i.pool_open - static_cast<double>(i.leaked.size()))));
    const int busy = static_cast<int>(
        std::lround(std::max(0.0, i.pool_active - static_cast<double>(i.leaked.size()))));
    for (int k = 0; k < healthy; ++k) {
      ProcessRow r;
      r.id = i.first_conn_id + k;
      r.user = "shop_app";
      r.host = host + std::to_string(40000 + (r.id * 37) % 20000);
      r.db = "shop";
      if (k < busy) {
        const int route = 1 + k % 3;
        r.command = "Query";
        r.state = "executing";
        r.info = ProfileOf(route).sql;
        r.time = 0;
      } else {
        r.command = "Sleep";
        r.time = k % 5;
      }
      rows.push_back(std::move(r));
    }
    for (const LeakedConnection& c : i.leaked) {
      if (!c.alive_in_db) continue;
      rows.push_back({c.id, "shop_app", host + std::to_string(40000 + (c.id * 37) % 20000), "shop",
                      "Sleep", "", "", (w.now - c.since) / 1000});
    }
  }
  return rows;
}

int64_t KillConnections(World& w, int64_t id, double idle_seconds) {
  int64_t killed = 0;
  auto age = [&](Timestamp since) { return (w.now - since) / 1000.0; };
  for (auto it = w.faults.begin(); it != w.faults.end();) {
    const bool blocker = it->spec.type == FaultType::kLockContention;
    if (blocker &&
        ((id > 0 && it->blocker_conn_id == id) || (id <= 0 && age(it->start) > idle_seconds))) {
      // Killing the stuck transaction rolls it back and releases its locks.
      it = w.faults.erase(it);
      ++killed;
    } else {
      ++it;
    }
  }
  for (Instance& i : w.instances) {
    for (LeakedConnection& c : i.leaked) {
      if (!c.alive_in_db) continue;
      if ((id > 0 && c.id == id) || (id <= 0 && age(c.since) > idle_seconds)) {
        // The server side goes away, but the application still holds the
        // borrowed connection: the pool does not get it back.
        c.alive_in_db = false;
        ++killed;
      }
    }
    if (id > 0 && id >= i.first_conn_id &&
        id < i.first_conn_id + static_cast<int64_t>(i.pool_open)) {
      ++killed;  // a pooled connection: the pool notices and opens a new one
    }
  }
  return killed;
}

}  // namespace fw::sim
