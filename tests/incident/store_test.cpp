// SqliteStore: writes, queries, optimistic updates and schema migrations.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "incident/sqlite_store.h"
#include "temp_dir.h"

namespace fw::incident {
namespace {

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

void Sql(const std::string& path, const std::string& statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

TEST(SqliteStoreTest, CreateGetUpdateRoundTrip) {
  TempDir dir;
  auto store = SqliteStore::Open(dir.File("i.db"));
  ASSERT_TRUE(store) << store.error().ToString();
  Incident in = Make("errors up", "k1", 1000, {"api", "checkout"}, Severity::kP2);
  in.roles[Role::kCommander] = "alice";
  in.alerts.push_back({"fp2", LabelSet{{"alertname", "HighErrors"}}, true, 1000, 1000});
  in.alerts.push_back({"fp1", LabelSet{{"alertname", "Slow"}}, false, 900, 950});
  auto created = (*store)->Create(in, {Note(1000, "opened")});
  ASSERT_TRUE(created) << created.error().ToString();
  EXPECT_EQ(created->id, "INC-1");
  EXPECT_EQ(created->version, 1);

  auto got = (*store)->Get("INC-1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->title, "errors up");
  EXPECT_EQ(got->services, (std::vector<std::string>{"api", "checkout"}));
  EXPECT_EQ(got->severity, Severity::kP2);
  EXPECT_EQ(got->roles.at(Role::kCommander), "alice");
  ASSERT_EQ(got->alerts.size(), 2u);
  EXPECT_EQ(got->alerts[0].fingerprint, "fp1");
  EXPECT_FALSE(got->alerts[0].firing);
  EXPECT_EQ(got->alerts[1].labels.Get("alertname"), "HighErrors");
  EXPECT_FALSE(got->acknowledged_at);

  got->state = State::kAcknowledged;
  got->acknowledged_at = 2000;
  auto updated = (*store)->Update(*got, {Note(2000, "ack")});
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->version, 2);
  auto again = (*store)->Get("INC-1");
  EXPECT_EQ(again->state, State::kAcknowledged);
  EXPECT_EQ(again->acknowledged_at, 2000);

  auto timeline = (*store)->Timeline("INC-1");
  ASSERT_TRUE(timeline);
  ASSERT_EQ(timeline->size(), 2u);
  EXPECT_LT((*timeline)[0].seq, (*timeline)[1].seq);
  EXPECT_EQ((*timeline)[1].text, "ack");
  EXPECT_EQ((*timeline)[1].incident_id, "INC-1");
}

TEST(SqliteStoreTest, StaleUpdateIsRefusedAndNothingIsWritten) {
  TempDir dir;
  auto store = SqliteStore::Open(dir.File("i.db"));
  ASSERT_TRUE(store);
  auto created = (*store)->Create(Make("t", "k", 1), {});
  ASSERT_TRUE(created);
  ASSERT_TRUE((*store)->Update(*created, {Note(2, "first")}));
  auto stale = (*store)->Update(*created, {Note(3, "second")});
  ASSERT_FALSE(stale);
  EXPECT_NE(stale.error().message().find("changed concurrently"), std::string::npos);
  EXPECT_EQ((*store)->Timeline(created->id)->size(), 1u);

  Incident ghost = *created;
  ghost.id = "INC-99";
  auto missing = (*store)->Update(ghost, {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ((*store)->Get("INC-99").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ((*store)->Timeline("INC-99").error().code(), ErrorCode::kNotFound);
}

TEST(SqliteStoreTest, ListFilters) {
  TempDir dir;
  auto store = SqliteStore::Open(dir.File("i.db"));
  ASSERT_TRUE(store);
  auto& s = **store;
  ASSERT_TRUE(s.Create(Make("a", "ka", 100, {"api"}, Severity::kP1), {}));
  ASSERT_TRUE(s.Create(Make("b", "kb", 200, {"db", "api"}, Severity::kP3), {}));
  auto c = s.Create(Make("c", "kc", 300, {"db"}, Severity::kP3), {});
  ASSERT_TRUE(c);
  c->state = State::kResolved;
  c->resolved_at = 400;
  ASSERT_TRUE(s.Update(*c, {}));

  auto titles = [&](const IncidentFilter& f) {
    std::string out;
    auto list = s.List(f);
    EXPECT_TRUE(list);
    for (const Incident& i : list.value_or(std::vector<Incident>{})) out += i.title;
    return out;
  };
  EXPECT_EQ(titles({}), "cba");  // newest first
  IncidentFilter f;
  f.service = "api";
  EXPECT_EQ(titles(f), "ba");
  f = {};
  f.severity = Severity::kP3;
  EXPECT_EQ(titles(f), "cb");
  f = {};
  f.open_only = true;
  EXPECT_EQ(titles(f), "ba");
  f = {};
  f.state = State::kResolved;
  EXPECT_EQ(titles(f), "c");
  f = {};
  f.created_from = 150;
  f.created_to = 300;
  EXPECT_EQ(titles(f), "b");
  f = {};
  f.limit = 1;
  EXPECT_EQ(titles(f), "c");
}

TEST(SqliteStoreTest, FindOpenAndResolvedSince) {
  TempDir dir;
  auto store = SqliteStore::Open(dir.File("i.db"));
  ASSERT_TRUE(store);
  auto& s = **store;
  EXPECT_FALSE(*s.FindOpen("k"));
  auto a = s.Create(Make("a", "k", 100), {});
  ASSERT_TRUE(a);
  EXPECT_EQ((*s.FindOpen("k"))->id, a->id);
  EXPECT_FALSE(*s.FindOpen("other"));
  a->state = State::kResolved;
  a->resolved_at = 500;
  ASSERT_TRUE(s.Update(*a, {}));
  EXPECT_FALSE(*s.FindOpen("k"));
  EXPECT_EQ((*s.FindResolvedSince("k", 500))->id, a->id);
  EXPECT_FALSE(*s.FindResolvedSince("k", 501));
}

TEST(SqliteStoreTest, MigratesAnOldDatabase) {
  TempDir dir;
  const std::string path = dir.File("old.db");
  {
    auto v1 = SqliteStore::Open(path, {.target_version = 1});
    ASSERT_TRUE(v1) << v1.error().ToString();
    EXPECT_EQ((*v1)->schema_version(), 1);
  }
  // A row as a version-1 firewatch wrote it.
  Sql(path,
      "INSERT INTO incidents (title, services, severity, state, group_key, created_at) "
      "VALUES ('old one', '[\"db\"]', 2, 'acknowledged', 'k-old', 1234);"
      "INSERT INTO timeline (incident, time, actor, source, kind, text) "
      "VALUES (1, 1234, 'bob', 'cli', 'note', 'from v1');");
  auto store = SqliteStore::Open(path);
  ASSERT_TRUE(store) << store.error().ToString();
  EXPECT_EQ((*store)->schema_version(), SqliteStore::LatestSchemaVersion());
  auto old = (*store)->Get("INC-1");
  ASSERT_TRUE(old) << old.error().ToString();
  EXPECT_EQ(old->title, "old one");
  EXPECT_EQ(old->state, State::kAcknowledged);
  EXPECT_TRUE(old->alerts.empty());
  // The migrated schema takes the newer features: linked alerts.
  old->alerts.push_back({"fp", LabelSet{{"alertname", "X"}}, true, 1, 1});
  ASSERT_TRUE((*store)->Update(*old, {}));
  EXPECT_EQ((*store)->Get("INC-1")->alerts.size(), 1u);
  EXPECT_EQ((*store)->Timeline("INC-1")->front().text, "from v1");
}

TEST(SqliteStoreTest, RefusesANewerSchema) {
  TempDir dir;
  const std::string path = dir.File("new.db");
  ASSERT_TRUE(SqliteStore::Open(path));
  Sql(path, "UPDATE schema_version SET version = 99");
  auto store = SqliteStore::Open(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message().find("schema version 99 is newer than this firewatch"),
            std::string::npos)
      << store.error().message();
}

TEST(SqliteStoreTest, UsesWalWithFullSync) {
  TempDir dir;
  const std::string path = dir.File("i.db");
  ASSERT_TRUE(SqliteStore::Open(path));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(SqliteStoreTest, UnopenablePathIsAClearError) {
  auto store = SqliteStore::Open("/nonexistent-dir/for/sure/i.db");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), ErrorCode::kIo);
  EXPECT_NE(store.error().message().find("/nonexistent-dir/for/sure/i.db"), std::string::npos);
}

}  // namespace
}  // namespace fw::incident
