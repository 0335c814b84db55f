// The analysis of database snapshots alone (no metrics, logs or changes):
// leaks judged against the pool, the blocker behind lock waits, a plan that
// scans a whole table, and a database that cannot be asked.

#include <gtest/gtest.h>

#include "rca/analysis.h"

namespace fw::rca {
namespace {

struct FakeDb final : DbDiagnostics {
  std::vector<DbSnapshot> snaps;
  Result<std::vector<DbSnapshot>> Diagnose(const std::vector<std::string>&) override {
    return snaps;
  }
};

DbProcess Session(int64_t id, const std::string& user, const std::string& command, int64_t time_s,
                  const std::string& info = "") {
  DbProcess p;
  p.id = id;
  p.user = user;
  p.host = "10.0.0.5:4000";
  p.db = "shop";
  p.command = command;
  p.time_s = time_s;
  p.info = info;
  return p;
}

DbSnapshot Snapshot() {
  DbSnapshot s;
  s.name = "orders-db";
  s.kind = "mysql";
  s.statements["processlist"] = "SELECT ... FROM information_schema.processlist";
  s.connections = 40;
  s.max_connections = 151;
  return s;
}

Analysis AnalyzeOnly(FakeDb& db) {
  EvidenceSources src;
  src.db = &db;
  AnalysisWindow w;
  w.onset = 1'000'000;
  w.now = 1'060'000;
  auto a = Analyze(src, w);
  EXPECT_TRUE(a);
  return *a;
}

const Hypothesis& Find(const Analysis& a, const std::string& category) {
  for (const Hypothesis& h : a.hypotheses) {
    if (h.category == category) return h;
  }
  static Hypothesis none;
  return none;
}

TEST(DbCollectorTest, LongSleepersOfAPoolWithoutTroubleAreNotCalledLeaks) {
  // A LIFO pool keeps its spare connections asleep for minutes: healthy.
  FakeDb db;
  DbSnapshot s = Snapshot();
  for (int i = 0; i < 20; ++i) s.processes.push_back(Session(100 + i, "shop", "Sleep", 400));
  db.snaps = {s};
  const Analysis a = AnalyzeOnly(db);
  EXPECT_EQ(a.FindEvidence("db:idle_app_connections"), nullptr);
  EXPECT_NE(a.FindEvidence("db:processlist"), nullptr);
  EXPECT_EQ(a.FindEvidence("db:processlist")->query, s.statements["processlist"]);
  EXPECT_TRUE(Find(a, "db_pool_exhaustion").facts.empty());
}

TEST(DbCollectorTest, SleepersFarPastThePoolsDeclaredLifetimeAreLeaks) {
  FakeDb db;
  DbSnapshot s = Snapshot();
  s.pool_idle_timeout_s = 600;
  s.pool_max_lifetime_s = 1800;
  for (int i = 0; i < 5; ++i) s.processes.push_back(Session(100 + i, "shop", "Sleep", 5000));
  for (int i = 0; i < 10; ++i) s.processes.push_back(Session(200 + i, "shop", "Sleep", 900));
  s.processes.push_back(Session(300, "shop", "Query", 0, "SELECT 1"));
  db.snaps = {s};
  const Analysis a = AnalyzeOnly(db);
  const Evidence* leak = a.FindEvidence("db:idle_app_connections");
  ASSERT_NE(leak, nullptr);
  EXPECT_NE(leak->title.find("5 shop sessions asleep 2700 s or longer"), std::string::npos)
      << leak->title;
  const Hypothesis& h = Find(a, "db_pool_exhaustion");
  EXPECT_EQ(h.facts.at("db.leaked_ids"), "100,101,102,103,104");
  EXPECT_EQ(h.facts.at("db.name"), "orders-db");
  EXPECT_EQ(h.facts.at("db.app_user"), "shop");
}

TEST(DbCollectorTest, TheSessionBlockingLockWaitsIsNamedForTheRunbook) {
  FakeDb db;
  DbSnapshot s = Snapshot();
  s.kind = "postgres";
  s.statements["lock_waits"] = "SELECT ... pg_blocking_pids(w.pid) ...";
  s.processes.push_back(Session(4711, "batch", "Sleep", 300, "UPDATE products SET stock = 1"));
  for (int i = 0; i < 6; ++i) {
    DbLockWait w;
    w.waiting_id = 10 + i;
    w.waiting_query = "UPDATE products SET stock = stock - 1 WHERE id = 2";
    w.wait_s = 2;
    w.blocking_id = 4711;
    w.blocking_user = "batch";
    w.blocking_host = "10.0.0.5:4000";
    w.blocking_state = "idle in transaction";
    w.blocking_query = "UPDATE products SET stock = 1";
    w.blocking_trx_age_s = 310;
    w.blocking_idle_s = 300;
    s.lock_waits.push_back(w);
  }
  db.snaps = {s};
  const Analysis a = AnalyzeOnly(db);
  EXPECT_EQ(a.hypotheses.front().category, "lock_contention");
  const Hypothesis& h = a.hypotheses.front();
  EXPECT_EQ(h.facts.at("db.blocker_id"), "4711");
  const Evidence* blocker = a.FindEvidence("db:blocker");
  ASSERT_NE(blocker, nullptr);
  EXPECT_NE(blocker->title.find("session 4711 (batch@10.0.0.5:4000) idle 300 s in an open "
                                "transaction, transaction 310 s old blocks them"),
            std::string::npos)
      << blocker->title;
  EXPECT_EQ(blocker->query, s.statements["lock_waits"]);
}

TEST(DbCollectorTest, AFullScanInThePlanPointsAtSlowQueries) {
  FakeDb db;
  DbSnapshot s = Snapshot();
  for (int i = 0; i < 6; ++i) {
    s.processes.push_back(
        Session(50 + i, "shop", "Query", 2, "SELECT * FROM products WHERE sku='a'"));
  }
  DbPlan p;
  p.statement = "SELECT * FROM products WHERE sku='a'";
  p.table = "products";
  p.access = "ALL";
  p.rows = 998000;
  p.full_scan = true;
  s.plan = p;
  s.statements["plan"] = "EXPLAIN SELECT * FROM products WHERE sku='a'";
  db.snaps = {s};
  const Analysis a = AnalyzeOnly(db);
  EXPECT_EQ(a.hypotheses.front().category, "slow_queries");
  const Evidence* plan = a.FindEvidence("db:plan");
  ASSERT_NE(plan, nullptr);
  EXPECT_NE(plan->title.find("a full scan of products"), std::string::npos) << plan->title;
  EXPECT_EQ(plan->query, "EXPLAIN SELECT * FROM products WHERE sku='a'");
}

TEST(DbCollectorTest, ADatabaseThatCannotBeAskedIsAGap) {
  FakeDb db;
  DbSnapshot s;
  s.name = "orders-db";
  s.error = "cannot connect to orders-db at 10.0.0.9:3306 as fw: Connection refused";
  DbSnapshot partial = Snapshot();
  partial.name = "pg";
  partial.gaps = {"statement statistics: the pg_stat_statements extension is not installed"};
  db.snaps = {s, partial};
  const Analysis a = AnalyzeOnly(db);
  std::string gaps;
  for (const auto& g : a.gaps) gaps += g + "\n";
  EXPECT_NE(gaps.find("database orders-db: cannot connect"), std::string::npos) << gaps;
  EXPECT_NE(gaps.find("database pg: statement statistics"), std::string::npos) << gaps;
  EXPECT_NE(a.FindEvidence("db:processlist@pg"), nullptr) << "two databases: ids name theirs";
}

}  // namespace
}  // namespace fw::rca
