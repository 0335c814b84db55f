// PostgreSQL-only behaviour: the leader lease and its fencing, schema
// versions, an unreachable server, and copying a SQLite store across.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "../e2e/subprocess.h"
#include "incident/pg_store.h"
#include "incident/sqlite_store.h"
#include "pg/leader_lease.h"
#include "pg_cluster.h"
#include "response/pg_approvals.h"

namespace fw {
namespace {

using namespace std::chrono_literals;
using ha_test::FreshSchema;
using ha_test::SharedCluster;

class PgStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    cluster_ = SharedCluster(&why);
    ASSERT_NE(cluster_, nullptr) << why;
    connect_.dsn = cluster_->Dsn();
    connect_.schema = FreshSchema("state");
  }
  std::unique_ptr<pg::PgConnection> Connect() {
    auto c = pg::PgConnection::Open(connect_);
    EXPECT_TRUE(c) << c.error().ToString();
    return c ? std::move(*c) : nullptr;
  }
  ha_test::PgCluster* cluster_ = nullptr;
  pg::ConnectOptions connect_;
};

TEST_F(PgStateTest, OneLeaderAtATimeAndEachTakeoverBumpsTheEpoch) {
  auto ca = Connect(), cb = Connect();
  ASSERT_TRUE(ca && cb);
  ASSERT_TRUE(pg::LeaderLease::Prepare(*ca));
  pg::LeaderLease a("leader", "a", 300ms), b("leader", "b", 300ms);
  auto la = a.TryAcquire(*ca);
  ASSERT_TRUE(la) << la.error().ToString();
  EXPECT_TRUE(la->leader);
  const int64_t first = la->epoch;
  auto lb = b.TryAcquire(*cb);
  ASSERT_TRUE(lb);
  EXPECT_FALSE(lb->leader);
  EXPECT_EQ(lb->holder, "a");
  auto renewed = a.TryAcquire(*ca);
  ASSERT_TRUE(renewed);
  EXPECT_TRUE(renewed->leader);
  EXPECT_EQ(renewed->epoch, first);  // renewing keeps the epoch

  // a stops renewing (paused, or dead): b takes over once the lease ran out.
  ASSERT_TRUE(e2e::PollUntil([&] { return b.TryAcquire(*cb)->leader; }, 5000ms, 50ms));
  auto now_b = b.TryAcquire(*cb);
  EXPECT_EQ(now_b->epoch, first + 1);
  EXPECT_FALSE(a.TryAcquire(*ca)->leader);

  // A graceful release hands over at once.
  ASSERT_TRUE(b.Release(*cb));
  auto back = a.TryAcquire(*ca);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->leader);
  EXPECT_EQ(back->epoch, first + 2);
}

// A leader paused past its lease wakes up and tries to write: refused, and
// nothing it tried is stored. The successor writes.
TEST_F(PgStateTest, APausedOldLeaderCannotWriteAfterATakeover) {
  auto ca = Connect(), cb = Connect();
  ASSERT_TRUE(ca && cb);
  ASSERT_TRUE(pg::LeaderLease::Prepare(*ca));
  pg::LeaderLease a("leader", "a", 200ms), b("leader", "b", 200ms);
  auto la = a.TryAcquire(*ca);
  ASSERT_TRUE(la && la->leader);
  const int64_t epoch_a = la->epoch;

  incident::PgStoreOptions oa;
  oa.connect = connect_;
  oa.fence = [epoch_a] { return std::optional<int64_t>(epoch_a); };
  auto store_a = incident::PgStore::Open(oa);
  ASSERT_TRUE(store_a) << store_a.error().ToString();
  incident::Incident inc;
  inc.title = "while leading";
  inc.group_key = "k";
  auto made = (*store_a)->Create(inc, {});
  ASSERT_TRUE(made) << made.error().ToString();

  ASSERT_TRUE(e2e::PollUntil([&] { return b.TryAcquire(*cb)->leader; }, 5000ms, 50ms));
  const int64_t epoch_b = b.TryAcquire(*cb)->epoch;
  inc.title = "after the takeover";
  auto refused = (*store_a)->Create(inc, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kForbidden);
  EXPECT_NE(refused.error().message().find("no longer the leader"), std::string::npos);
  auto stale = *made;
  stale.title = "renamed by the old leader";
  EXPECT_FALSE((*store_a)->Update(stale, {}));

  incident::PgStoreOptions ob = oa;
  ob.fence = [epoch_b] { return std::optional<int64_t>(epoch_b); };
  auto store_b = incident::PgStore::Open(ob);
  ASSERT_TRUE(store_b);
  EXPECT_TRUE((*store_b)->Create(inc, {}));
  auto all = (*store_b)->List({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*store_b)->Get(made->id)->title, "while leading");
}

TEST_F(PgStateTest, ANewerSchemaIsRefused) {
  incident::PgStoreOptions o;
  o.connect = connect_;
  ASSERT_TRUE(incident::PgStore::Open(o));
  ASSERT_TRUE(cluster_->Psql("UPDATE " + connect_.schema + ".schema_version SET version = 99"));
  auto refused = incident::PgStore::Open(o);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("newer than this firewatch"), std::string::npos);
}

TEST_F(PgStateTest, AnUnreachableServerIsAClearErrorWithinTheTimeout) {
  incident::PgStoreOptions o;
  o.connect.dsn = "host=127.0.0.1 port=1 dbname=x user=y";
  o.connect.timeout = 2000ms;
  const auto start = std::chrono::steady_clock::now();
  auto refused = incident::PgStore::Open(o);
  ASSERT_FALSE(refused);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_NE(refused.error().message().find("cannot connect"), std::string::npos)
      << refused.error().ToString();
  o.connect.dsn = "";
  EXPECT_EQ(incident::PgStore::Open(o).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(PgStateTest, ImportKeepsIdsTimelinesAndItems) {
  auto sqlite = incident::SqliteStore::Open(e2e::MakeTempDir() + "/i.db");
  ASSERT_TRUE(sqlite);
  incident::Incident inc;
  inc.title = "old outage";
  inc.group_key = "k";
  inc.created_at = 10;
  inc.roles[incident::Role::kCommander] = "bob";
  incident::TimelineEntry e;
  e.time = 10;
  e.kind = incident::EntryKind::kNote;
  e.text = "hello";
  ASSERT_TRUE((*sqlite)->Create(inc, {e}));
  ASSERT_TRUE((*sqlite)->Create(inc, {e, e}));
  auto note = [&](const incident::ActionItem&) { return e; };
  ASSERT_TRUE((*sqlite)->AddActionItems("INC-2", {{.text = "fix it", .created_at = 11}}, note));

  incident::PgStoreOptions o;
  o.connect = connect_;
  auto pg = incident::PgStore::Open(o);
  ASSERT_TRUE(pg);
  for (const char* id : {"INC-2", "INC-1"}) {
    auto got = (*sqlite)->Get(id);
    auto timeline = (*sqlite)->Timeline(id);
    auto items = (*sqlite)->ActionItems(id);
    ASSERT_TRUE(got && timeline && items);
    auto copied = (*pg)->Import(*got, *timeline, *items);
    ASSERT_TRUE(copied) << copied.error().ToString();
  }
  EXPECT_EQ((*pg)->Import(*(*sqlite)->Get("INC-1"), {}, {}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ((*pg)->Get("INC-1")->roles.at(incident::Role::kCommander), "bob");
  EXPECT_EQ((*pg)->Timeline("INC-2")->size(), 3u);  // two entries and the item's
  EXPECT_EQ((*pg)->ActionItems("INC-2")->front().text, "fix it");
  auto next = (*pg)->Create(inc, {});
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, "INC-3");
}

// Two replicas' approval books on one PostgreSQL: the gate the leader's run
// waits at is seen and answered on the other, and the answer is taken once.
TEST_F(PgStateTest, AnApprovalGivenToAnyReplicaReachesTheLeader) {
  incident::PgStoreOptions o;
  o.connect = connect_;
  ASSERT_TRUE(incident::PgStore::Open(o));  // the schema
  auto shared_a = response::PgApprovals::Open(connect_);
  auto shared_b = response::PgApprovals::Open(connect_);
  ASSERT_TRUE(shared_a && shared_b);
  ManualClock clock(1000);
  response::ApprovalBook leader(clock, shared_a->get()), follower(clock, shared_b->get());
  EXPECT_EQ(leader.Check("INC-1", "rollback"), runbook::ApprovalState::kPending);
  auto waiting = follower.Waiting();
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].gate, "rollback");
  EXPECT_EQ(waiting[0].since, 1000);
  EXPECT_EQ(follower.Decide("INC-1", "nope", true).error().code(), ErrorCode::kNotFound);
  auto chosen = follower.Decide("INC-1", "", true);
  ASSERT_TRUE(chosen) << chosen.error().ToString();
  EXPECT_EQ(*chosen, "rollback");
  EXPECT_EQ(follower.Decide("INC-1", "", false).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(leader.Check("INC-1", "rollback"), runbook::ApprovalState::kGranted);
  EXPECT_EQ(leader.Check("INC-1", "rollback"), runbook::ApprovalState::kPending);  // asks afresh
  ASSERT_TRUE(follower.Decide("INC-1", "rollback", false));
  EXPECT_EQ(leader.Check("INC-1", "rollback"), runbook::ApprovalState::kDenied);
  EXPECT_EQ(leader.Check("INC-1", "verify"), runbook::ApprovalState::kPending);
  leader.Forget("INC-1");
  EXPECT_TRUE(follower.Waiting("INC-1").empty());
}

}  // namespace
}  // namespace fw
