// The IncidentStore contract, run against both backends: SQLite (the
// embedded default) and PostgreSQL (a throwaway cluster). Two store objects
// on one location stand for two replicas.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <thread>

#include "../e2e/subprocess.h"
#include "incident/pg_store.h"
#include "incident/sqlite_store.h"
#include "pg_cluster.h"

namespace fw::incident {
namespace {

using ha_test::FreshSchema;
using ha_test::SharedCluster;

Incident Make(const std::string& title, const std::string& key, Timestamp created,
              std::vector<std::string> services = {"checkout"}, Severity sev = Severity::kP3) {
  Incident i;
  i.title = title;
  i.group_key = key;
  i.created_at = created;
  i.services = std::move(services);
  i.severity = sev;
  return i;
}

TimelineEntry Note(Timestamp t, const std::string& text) {
  TimelineEntry e;
  e.time = t;
  e.actor = "alice";
  e.source = "api";
  e.kind = EntryKind::kNote;
  e.text = text;
  return e;
}

ActionItemEntry ItemNote() {
  return [](const ActionItem& a) { return Note(a.created_at, "item " + a.id + ": " + a.text); };
}

// Opens stores on one location: every call gives a new store object (a new
// connection) on the same data.
using Opener = std::function<Result<std::unique_ptr<IncidentStore>>()>;

class StoreContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      const std::string path = e2e::MakeTempDir() + "/incidents.db";
      open_ = [path]() -> Result<std::unique_ptr<IncidentStore>> {
        auto s = SqliteStore::Open(path);
        if (!s) return Fail(s.error());
        return std::unique_ptr<IncidentStore>(std::move(*s));
      };
    } else {
      std::string why;
      auto* cluster = SharedCluster(&why);
      ASSERT_NE(cluster, nullptr) << why;
      PgStoreOptions o;
      o.connect.dsn = cluster->Dsn();
      o.connect.schema = FreshSchema("contract");
      open_ = [o]() -> Result<std::unique_ptr<IncidentStore>> {
        auto s = PgStore::Open(o);
        if (!s) return Fail(s.error());
        return std::unique_ptr<IncidentStore>(std::move(*s));
      };
    }
    auto s = open_();
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
  }

  Opener open_;
  std::unique_ptr<IncidentStore> store_;
};

TEST_P(StoreContractTest, CreateGetUpdateRoundTrip) {
  Incident in = Make("errors up", "k1", 1000, {"api", "checkout"}, Severity::kP2);
  in.roles[Role::kCommander] = "alice";
  in.alerts.push_back({"fp2", LabelSet{{"alertname", "HighErrors"}}, true, 1000, 1000});
  in.alerts.push_back({"fp1", LabelSet{{"alertname", "Slow"}, {"q", "a\"b"}}, false, 900, 950});
  auto created = store_->Create(in, {Note(1000, "opened")});
  ASSERT_TRUE(created) << created.error().ToString();
  EXPECT_EQ(created->id, "INC-1");
  EXPECT_EQ(created->version, 1);

  auto got = store_->Get("INC-1");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->title, "errors up");
  EXPECT_EQ(got->services, (std::vector<std::string>{"api", "checkout"}));
  EXPECT_EQ(got->severity, Severity::kP2);
  EXPECT_EQ(got->roles.at(Role::kCommander), "alice");
  ASSERT_EQ(got->alerts.size(), 2u);
  EXPECT_EQ(got->alerts[0].fingerprint, "fp1");
  EXPECT_EQ(got->alerts[0].labels.Get("q"), "a\"b");
  EXPECT_FALSE(got->alerts[0].firing);
  EXPECT_TRUE(got->alerts[1].firing);

  Incident next = *got;
  next.state = State::kAcknowledged;
  next.acknowledged_at = 2000;
  next.alerts[1].firing = false;
  next.alerts[1].last_seen = 2000;
  auto updated = store_->Update(next, {Note(2000, "ack"), Note(2001, "looking")});
  ASSERT_TRUE(updated) << updated.error().ToString();
  EXPECT_EQ(updated->version, 2);
  auto again = store_->Get("INC-1");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->state, State::kAcknowledged);
  EXPECT_EQ(again->acknowledged_at, 2000);
  EXPECT_FALSE(again->alerts[1].firing);
  EXPECT_EQ(again->version, 2);

  auto timeline = store_->Timeline("INC-1");
  ASSERT_TRUE(timeline);
  ASSERT_EQ(timeline->size(), 3u);
  EXPECT_EQ((*timeline)[0].text, "opened");
  EXPECT_EQ((*timeline)[2].text, "looking");
  EXPECT_LT((*timeline)[0].seq, (*timeline)[1].seq);
  EXPECT_EQ(store_->Get("INC-9").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->Get("nope").error().code(), ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, StaleUpdateIsRefusedAndNothingIsWritten) {
  auto created = store_->Create(Make("t", "k", 1), {});
  ASSERT_TRUE(created);
  Incident a = *created, b = *created;
  a.title = "first";
  ASSERT_TRUE(store_->Update(a, {Note(2, "a")}));
  b.title = "second";
  auto stale = store_->Update(b, {Note(3, "b")});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Get(created->id)->title, "first");
  EXPECT_EQ(store_->Timeline(created->id)->size(), 1u);
  Incident ghost = *created;
  ghost.id = "INC-77";
  EXPECT_EQ(store_->Update(ghost, {}).error().code(), ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, ListFilters) {
  ASSERT_TRUE(store_->Create(Make("a", "ka", 100, {"api"}, Severity::kP1), {}));
  ASSERT_TRUE(store_->Create(Make("b", "kb", 200, {"checkout", "db"}, Severity::kP3), {}));
  auto c = store_->Create(Make("c", "kc", 300, {"db"}, Severity::kP3), {});
  ASSERT_TRUE(c);
  Incident resolved = *c;
  resolved.state = State::kResolved;
  resolved.resolved_at = 400;
  ASSERT_TRUE(store_->Update(resolved, {}));

  auto all = store_->List({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(all->front().title, "c");  // newest first
  EXPECT_EQ(store_->List({.open_only = true})->size(), 2u);
  EXPECT_EQ(store_->List({.state = State::kResolved})->size(), 1u);
  EXPECT_EQ(store_->List({.service = "db"})->size(), 2u);
  EXPECT_EQ(store_->List({.service = "d"})->size(), 0u);
  EXPECT_EQ(store_->List({.severity = Severity::kP1})->size(), 1u);
  EXPECT_EQ(store_->List({.created_from = 200, .created_to = 300})->size(), 1u);
  EXPECT_EQ(store_->List({.limit = 2})->size(), 2u);
}

TEST_P(StoreContractTest, FindOpenAndResolvedSince) {
  auto open = store_->Create(Make("o", "key", 100), {});
  ASSERT_TRUE(open);
  auto found = store_->FindOpen("key");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, open->id);
  EXPECT_FALSE(*store_->FindOpen("other"));
  Incident r = *open;
  r.state = State::kResolved;
  r.resolved_at = 500;
  ASSERT_TRUE(store_->Update(r, {}));
  EXPECT_FALSE(*store_->FindOpen("key"));
  EXPECT_TRUE(*store_->FindResolvedSince("key", 400));
  EXPECT_FALSE(*store_->FindResolvedSince("key", 600));
}

TEST_P(StoreContractTest, ActionItems) {
  auto one = store_->Create(Make("o", "k1", 100), {});
  auto two = store_->Create(Make("t", "k2", 100), {});
  ASSERT_TRUE(one && two);
  auto items = store_->AddActionItems(
      one->id, {{.text = "add pool alert", .created_at = 5}, {.text = "raise limit"}}, ItemNote());
  ASSERT_TRUE(items) << items.error().ToString();
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[1].id, "AI-2");
  auto other = store_->AddActionItems(two->id, {{.text = "x"}}, ItemNote());
  ASSERT_TRUE(other);
  EXPECT_EQ(other->front().id, "AI-1");  // per incident
  auto done = store_->SetActionItemDone(one->id, "AI-1", true, 77, ItemNote());
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_TRUE(done->done);
  EXPECT_EQ(done->done_at, 77);
  auto undone = store_->SetActionItemDone(one->id, "AI-1", false, 78, ItemNote());
  ASSERT_TRUE(undone);
  EXPECT_FALSE(undone->done_at.has_value());
  EXPECT_EQ(store_->ActionItems(one->id)->size(), 2u);
  EXPECT_EQ(store_->Timeline(one->id)->size(), 4u);
  EXPECT_EQ(store_->SetActionItemDone(one->id, "AI-9", true, 1, ItemNote()).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(store_->ActionItems("INC-99").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->SetActionItemDone(one->id, "A-1", true, 1, ItemNote()).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, WritesAreVisibleToAnotherStoreOnTheSameData) {
  auto created = store_->Create(Make("shared", "k", 1), {Note(1, "one")});
  ASSERT_TRUE(created);
  store_.reset();  // as a replica that died
  auto other = open_();
  ASSERT_TRUE(other) << other.error().ToString();
  auto got = (*other)->Get(created->id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->title, "shared");
  EXPECT_EQ((*other)->Timeline(created->id)->size(), 1u);
  auto next = (*other)->Create(Make("next", "k2", 2), {});
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, "INC-2");  // ids are never reused
}

// Two replicas update one incident at once: each version is won by exactly
// one writer, every winner's entries are stored, and seqs follow commits.
TEST_P(StoreContractTest, ConcurrentReplicasNeverLoseAWrite) {
  auto created = store_->Create(Make("race", "k", 1), {});
  ASSERT_TRUE(created);
  auto second = open_();
  ASSERT_TRUE(second);
  std::atomic<int> wins{0};
  auto writer = [&](IncidentStore* s, const std::string& who) {
    for (int n = 0; n < 25;) {
      auto cur = s->Get(created->id);
      if (!cur) continue;
      cur->title = who + std::to_string(n);
      if (s->Update(*cur, {Note(n, who + std::to_string(n))})) {
        ++wins;
        ++n;
      }
    }
  };
  std::thread a(writer, store_.get(), "a");
  std::thread b(writer, second->get(), "b");
  a.join();
  b.join();
  EXPECT_EQ(wins.load(), 50);
  auto timeline = store_->Timeline(created->id);
  ASSERT_TRUE(timeline);
  ASSERT_EQ(timeline->size(), 50u);
  for (size_t i = 1; i < timeline->size(); ++i) {
    EXPECT_LT((*timeline)[i - 1].seq, (*timeline)[i].seq);
  }
  EXPECT_EQ(store_->Get(created->id)->version, 51);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace fw::incident
