#include "db/actions.h"

#include <gtest/gtest.h>

#include <chrono>

#include "db/session.h"

namespace fw::db {
namespace {

using runbook::ActionCall;
using runbook::ActionOutcome;

// Stands for the site's own actions.
struct SiteStub final : runbook::ActionAdapter {
  std::vector<std::string> ran;
  std::string name() const override { return "site"; }
  Result<ActionOutcome> Run(const ActionCall& c, bool) override {
    ran.push_back(c.action);
    ActionOutcome o;
    o.ok = true;
    return o;
  }
};

DatabaseConfig Db(const std::string& name, const std::string& kind) {
  DatabaseConfig d;
  d.name = name;
  d.kind = kind;
  d.port = 1;  // nobody listens: nothing here may connect
  d.read.user = "fw";
  d.actions.user = "ops";
  d.max_kill = 10;
  return d;
}

class DbActionsTest : public ::testing::Test {
 protected:
  DbActionsTest()
      : databases_(Settings()),
        adapter_(databases_, site_, [](const std::string& a) { return a == "rollback"; }) {}
  static DatabaseSettings Settings() {
    DatabaseSettings s;
    s.databases = {Db("orders", "mysql"), Db("pg", "postgres")};
    return s;
  }
  Result<ActionOutcome> Dry(ActionCall c) { return adapter_.Run(c, /*dry_run=*/true); }
  static std::string All(const ActionOutcome& o) {
    std::string s;
    for (auto& c : o.command) s += c + "\n";
    return s;
  }

  Databases databases_;
  SiteStub site_;
  DbActionAdapter adapter_;
};

TEST_F(DbActionsTest, KillByIdsPrintsTheGuardedSelectAndTheKills) {
  auto o = Dry({"kill_connections", {{"database", "orders"}, {"id", "12, 15"}}});
  ASSERT_TRUE(o) << o.error().message();
  const std::string sql = All(*o);
  EXPECT_NE(sql.find("p.id IN (12,15)"), std::string::npos) << sql;
  EXPECT_NE(sql.find("p.id <> CONNECTION_ID()"), std::string::npos) << "never itself";
  EXPECT_NE(sql.find("'Binlog Dump'"), std::string::npos) << "never replication threads";
  EXPECT_NE(sql.find("'system user'"), std::string::npos) << "never system threads";
  EXPECT_NE(sql.find("KILL CONNECTION <id>"), std::string::npos) << sql;
  EXPECT_TRUE(site_.ran.empty());
}

TEST_F(DbActionsTest, KillByFilterQuotesValuesAndCapsTheCount) {
  auto o = Dry({"kill_connections",
                {{"database", "orders"},
                 {"user", "O'Brien"},
                 {"state", "sleep"},
                 {"min_age", "120"},
                 {"limit", "5"}}});
  ASSERT_TRUE(o) << o.error().message();
  const std::string sql = All(*o);
  EXPECT_NE(sql.find("p.user = 'O''Brien'"), std::string::npos) << sql;
  EXPECT_NE(sql.find("p.command = 'Sleep'"), std::string::npos) << sql;
  EXPECT_NE(sql.find("p.time >= 120"), std::string::npos) << sql;
  EXPECT_NE(sql.find("LIMIT 6"), std::string::npos) << "one more, to tell a capped kill" << sql;
}

TEST_F(DbActionsTest, PostgresEndsBackendsButNeverSuperusers) {
  auto o = Dry({"pg_terminate_backend",
                {{"database", "pg"}, {"state", "idle in transaction"}, {"min_age", "60"}}});
  ASSERT_TRUE(o) << o.error().message();
  const std::string sql = All(*o);
  EXPECT_NE(sql.find("NOT r.rolsuper"), std::string::npos) << sql;
  EXPECT_NE(sql.find("a.state = 'idle in transaction'"), std::string::npos) << sql;
  EXPECT_NE(sql.find("pg_terminate_backend(<id>)"), std::string::npos) << sql;
  auto cancel = Dry({"pg_cancel_backend", {{"database", "pg"}, {"pid", "4711"}}});
  ASSERT_TRUE(cancel);
  EXPECT_NE(All(*cancel).find("pg_cancel_backend(<id>)"), std::string::npos);
  auto kill = Dry({"kill_connections", {{"database", "pg"}, {"id", "4711"}}});
  ASSERT_TRUE(kill);
  EXPECT_NE(All(*kill).find("pg_terminate_backend(<id>)"), std::string::npos)
      << "kill_connections on PostgreSQL terminates the backend";
}

TEST_F(DbActionsTest, BadArgumentsAreRefusedBeforeAnythingRuns) {
  const std::vector<std::pair<ActionCall, std::string>> cases = {
      {{"kill_connections", {{"database", "orders"}, {"id", "12; DROP TABLE x"}}},
       "must be a whole number"},
      {{"kill_connections", {{"database", "orders"}, {"min_age", "soon"}}}, "min_age"},
      {{"kill_connections", {{"database", "orders"}, {"min_age", "1"}, {"limit", "11"}}},
       "max_kill"},
      {{"kill_connections", {{"database", "orders"}, {"min_age", "1"}, {"state", "x' OR 1"}}},
       "state must be"},
      {{"kill_connections", {{"id", "1"}}}, "needs database"},
      {{"kill_connections", {{"database", "nope"}, {"id", "1"}}}, "no database named"},
      {{"pg_terminate_backend", {{"database", "orders"}, {"pid", "1"}}}, "is for PostgreSQL"},
      {{"set_global", {{"database", "orders"}, {"name", "read_only"}, {"value", "1"}}},
       "may set max_connections"},
      {{"set_global", {{"database", "orders"}, {"name", "max_connections"}, {"value", "1e9"}}},
       "whole number"},
      {{"set_global", {{"database", "pg"}, {"name", "max_connections"}, {"value", "100"}}},
       "ALTER SYSTEM"},
  };
  for (const auto& [call, want] : cases) {
    auto o = Dry(call);
    ASSERT_FALSE(o) << call.action << " was accepted";
    EXPECT_NE(o.error().message().find(want), std::string::npos) << o.error().message();
  }
}

TEST_F(DbActionsTest, SetGlobalPrintsTheStatementAndItsCheck) {
  auto o =
      Dry({"set_global", {{"database", "orders"}, {"name", "slow_query_log"}, {"value", "1"}}});
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_EQ(o->command.front(), "SET GLOBAL slow_query_log = ON");
}

TEST_F(DbActionsTest, SiteActionsAndOtherNamesGoToTheSite) {
  ASSERT_TRUE(adapter_.Run({"rollback", {}}, false));
  ASSERT_TRUE(adapter_.Run({"scale", {{"to", "4"}}}, false));
  EXPECT_EQ(site_.ran, (std::vector<std::string>{"rollback", "scale"}));
}

TEST_F(DbActionsTest, AnUnreachableDatabaseFailsFastWithItsName) {
  const auto start = std::chrono::steady_clock::now();
  auto o = adapter_.Run({"kill_connections", {{"database", "orders"}, {"id", "3"}}}, false);
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message().find("cannot connect to orders at 127.0.0.1:1 as ops"),
            std::string::npos)
      << o.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(DbActionsNoAccountTest, AnActionWithoutItsAccountIsRefused) {
  DatabaseSettings s;
  s.databases = {Db("orders", "mysql")};
  s.databases[0].actions = {};
  Databases dbs(s);
  SiteStub site;
  DbActionAdapter a(dbs, site, [](const std::string&) { return false; });
  auto o = a.Run({"kill_connections", {{"id", "3"}}}, false);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), ErrorCode::kForbidden);
  EXPECT_NE(o.error().message().find("read-only account is never used to act"), std::string::npos);
}

TEST(DbDiagnoseTest, AnUnreachableDatabaseIsANamedGapNotAHang) {
  DatabaseConfig d = Db("orders", "mysql");
  const auto start = std::chrono::steady_clock::now();
  rca::DbSnapshot s = DiagnoseOne(d);
  EXPECT_NE(s.error.find("cannot connect to orders"), std::string::npos) << s.error;
  d.kind = "postgres";
  s = DiagnoseOne(d);
  EXPECT_NE(s.error.find("cannot connect to orders"), std::string::npos) << s.error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
}

}  // namespace
}  // namespace fw::db
