// Action items: the store (ids per incident, done/undone, one transaction
// with the timeline entry), the schema migration that adds them, and the
// service's timeline notes.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "incident/service.h"
#include "incident/sqlite_store.h"
#include "temp_dir.h"

namespace fw::incident {
namespace {

constexpr Timestamp kStart = 1'768'487'100'000;  // 2026-01-15T14:25:00Z

TimelineEntry Noted(const ActionItem& a) {
  TimelineEntry e;
  e.time = kStart;
  e.actor = "ann";
  e.source = "test";
  e.kind = EntryKind::kNote;
  e.text = "item " + a.id;
  return e;
}

Incident Declared(IncidentStore& store, const std::string& title) {
  Incident i;
  i.title = title;
  i.group_key = title;
  i.created_at = kStart;
  auto stored = store.Create(i, {});
  EXPECT_TRUE(stored) << stored.error().ToString();
  return *stored;
}

ActionItem Item(std::string text, std::string owner = "") {
  ActionItem a;
  a.text = std::move(text);
  a.owner = std::move(owner);
  a.created_at = kStart;
  return a;
}

TEST(ActionItemStoreTest, IdsArePerIncidentAndEntriesAreWritten) {
  TempDir dir;
  auto store = SqliteStore::Open(dir.File("i.db"));
  ASSERT_TRUE(store) << store.error().ToString();
  const Incident a = Declared(**store, "a"), b = Declared(**store, "b");
  auto added = (*store)->AddActionItems(a.id, {Item("fix the leak", "ann"), Item("alert")}, Noted);
  ASSERT_TRUE(added) << added.error().ToString();
  ASSERT_EQ(added->size(), 2u);
  EXPECT_EQ((*added)[0].id, "AI-1");
  EXPECT_EQ((*added)[1].id, "AI-2");
  auto other = (*store)->AddActionItems(b.id, {Item("elsewhere")}, Noted);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->front().id, "AI-1");
  auto more = (*store)->AddActionItems(a.id, {Item("third")}, Noted);
  ASSERT_TRUE(more);
  EXPECT_EQ(more->front().id, "AI-3");
  auto list = (*store)->ActionItems(a.id);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].owner, "ann");
  EXPECT_FALSE((*list)[0].done);
  auto timeline = (*store)->Timeline(a.id);
  ASSERT_TRUE(timeline);
  ASSERT_EQ(timeline->size(), 3u);
  EXPECT_EQ((*timeline)[2].text, "item AI-3");
}

TEST(ActionItemStoreTest, MarkDoneAndUndone) {
  TempDir dir;
  auto store = SqliteStore::Open(dir.File("i.db"));
  ASSERT_TRUE(store);
  const Incident a = Declared(**store, "a");
  ASSERT_TRUE((*store)->AddActionItems(a.id, {Item("x"), Item("y")}, Noted));
  auto done = (*store)->SetActionItemDone(a.id, "AI-2", true, kStart + 5, Noted);
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_TRUE(done->done);
  EXPECT_EQ(done->done_at, kStart + 5);
  EXPECT_EQ(done->text, "y");
  auto list = (*store)->ActionItems(a.id);
  EXPECT_FALSE((*list)[0].done);
  EXPECT_TRUE((*list)[1].done);
  auto undone = (*store)->SetActionItemDone(a.id, "AI-2", false, kStart + 9, Noted);
  ASSERT_TRUE(undone);
  EXPECT_FALSE(undone->done);
  EXPECT_FALSE(undone->done_at);
  EXPECT_EQ((*store)->Timeline(a.id)->size(), 4u);  // 2 added, done, undone
}

TEST(ActionItemStoreTest, UnknownIncidentOrItem) {
  TempDir dir;
  auto store = SqliteStore::Open(dir.File("i.db"));
  ASSERT_TRUE(store);
  const Incident a = Declared(**store, "a");
  auto missing = (*store)->AddActionItems("INC-99", {Item("x")}, Noted);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ((*store)->ActionItems("INC-99").error().code(), ErrorCode::kNotFound);
  auto no_item = (*store)->SetActionItemDone(a.id, "AI-7", true, kStart, Noted);
  ASSERT_FALSE(no_item);
  EXPECT_EQ(no_item.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(no_item.error().message().find("no action item AI-7 in " + a.id), std::string::npos);
  auto bad = (*store)->SetActionItemDone(a.id, "7", true, kStart, Noted);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE((*store)->Timeline(a.id)->empty());  // failed writes left nothing
}

TEST(ActionItemStoreTest, SurvivesReopening) {
  TempDir dir;
  std::string id;
  {
    auto store = SqliteStore::Open(dir.File("i.db"));
    ASSERT_TRUE(store);
    id = Declared(**store, "a").id;
    ASSERT_TRUE((*store)->AddActionItems(id, {Item("kept")}, Noted));
    ASSERT_TRUE((*store)->SetActionItemDone(id, "AI-1", true, kStart, Noted));
  }
  auto store = SqliteStore::Open(dir.File("i.db"));
  ASSERT_TRUE(store);
  auto list = (*store)->ActionItems(id);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_TRUE(list->front().done);
}

TEST(ActionItemStoreTest, MigrationFromVersion3KeepsIncidents) {
  TempDir dir;
  const std::string path = dir.File("i.db");
  std::string id;
  {
    auto v3 = SqliteStore::Open(path, {.target_version = 3});
    ASSERT_TRUE(v3) << v3.error().ToString();
    id = Declared(**v3, "old").id;
    auto refused = (*v3)->ActionItems(id);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message().find("has no action items"), std::string::npos);
  }
  auto latest = SqliteStore::Open(path);
  ASSERT_TRUE(latest) << latest.error().ToString();
  EXPECT_EQ((*latest)->schema_version(), 4);
  EXPECT_EQ((*latest)->Get(id)->title, "old");
  auto added = (*latest)->AddActionItems(id, {Item("new")}, Noted);
  ASSERT_TRUE(added) << added.error().ToString();
  EXPECT_EQ(added->front().id, "AI-1");
}

TEST(ActionItemServiceTest, WritesTimelineNotes) {
  TempDir dir;
  auto store = SqliteStore::Open(dir.File("i.db"));
  ASSERT_TRUE(store);
  ManualClock clock(kStart);
  IncidentService svc(**store, clock);
  auto inc = svc.Declare({"db pool", {"checkout"}, Severity::kP2, ""}, {"ann", "cli"});
  ASSERT_TRUE(inc);
  clock.Advance(std::chrono::minutes(1));
  auto added = svc.AddActionItems(inc->id, {Item("fix leak", "bob")}, {"ann", "api"});
  ASSERT_TRUE(added) << added.error().ToString();
  EXPECT_EQ(added->front().created_at, kStart + 60'000);
  clock.Advance(std::chrono::minutes(1));
  auto done = svc.SetActionItemDone(inc->id, "AI-1", true, {"bob", "api"});
  ASSERT_TRUE(done);
  EXPECT_EQ(done->done_at, kStart + 120'000);
  auto timeline = svc.Timeline(inc->id);
  ASSERT_TRUE(timeline);
  ASSERT_EQ(timeline->size(), 3u);
  const TimelineEntry& e = (*timeline)[2];
  EXPECT_EQ(e.kind, EntryKind::kNote);
  EXPECT_EQ(e.actor, "bob");
  EXPECT_EQ(e.text, "action item AI-1 done: fix leak");
  auto details = nlohmann::json::parse(e.details);
  EXPECT_EQ(details["action_item"]["id"], "AI-1");
  EXPECT_EQ(details["action_item"]["done"], true);
  EXPECT_EQ(details["action_item"]["owner"], "bob");
}

TEST(ActionItemServiceTest, RejectsEmptyText) {
  TempDir dir;
  auto store = SqliteStore::Open(dir.File("i.db"));
  ASSERT_TRUE(store);
  ManualClock clock(kStart);
  IncidentService svc(**store, clock);
  auto inc = svc.Declare({"x", {}, Severity::kP3, ""}, {"ann", "cli"});
  ASSERT_TRUE(inc);
  EXPECT_FALSE(svc.AddActionItems(inc->id, {Item("  ")}, {"ann", "api"}));
  EXPECT_FALSE(svc.AddActionItems(inc->id, {}, {"ann", "api"}));
  EXPECT_TRUE(svc.ActionItems(inc->id)->empty());
}

}  // namespace
}  // namespace fw::incident
