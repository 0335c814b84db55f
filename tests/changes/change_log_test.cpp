#include "changes/change_log.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace fw::changes {
namespace {

TEST(ChangeLogTest, ParsesTheSimulatorsDeploymentEvent) {
  auto e = ParseChangeJson(
      R"({"@timestamp":"2026-01-15T14:10:00.000Z","type":"deployment","service":"shop",)"
      R"("version":"v2.5.0","previous_version":"v2.4.0","who":"alice","status":"started",)"
      R"("progress":0})");
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_EQ(e->time, 1768486200000);
  EXPECT_EQ(e->type, "deployment");
  EXPECT_EQ(e->service, "shop");
  EXPECT_EQ(e->Field("version"), "v2.5.0");
  EXPECT_EQ(e->Field("progress"), "0");  // numbers kept as their JSON text
  EXPECT_EQ(e->Field("absent"), "");
  EXPECT_EQ(e->summary, "deployment of shop v2.5.0 (from v2.4.0), status started");
}

TEST(ChangeLogTest, RejectsWhatIsNotAChangeEvent) {
  EXPECT_FALSE(ParseChangeJson("not json"));
  EXPECT_FALSE(ParseChangeJson("[1]"));
  EXPECT_FALSE(ParseChangeJson(R"({"type":"deployment"})"));
  EXPECT_FALSE(ParseChangeJson(R"({"@timestamp":"yesterday","type":"x"})"));
  auto no_type = ParseChangeJson(R"({"@timestamp":"2026-01-15T14:10:00Z"})");
  ASSERT_FALSE(no_type);
  EXPECT_NE(no_type.error().message().find("type"), std::string::npos);
}

ChangeEvent At(Timestamp t, std::string type) {
  ChangeEvent e;
  e.time = t;
  e.type = std::move(type);
  return e;
}

TEST(ChangeLogTest, BetweenIsHalfOpenAndInTimeOrder) {
  ChangeLog log;
  log.Append(At(30, "c"));
  log.Append(At(10, "a"));
  log.Append(At(20, "b1"));
  log.Append(At(20, "b2"));  // same time: after b1
  auto got = log.Between(10, 30);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].type, "a");
  EXPECT_EQ(got[1].type, "b1");
  EXPECT_EQ(got[2].type, "b2");
  EXPECT_TRUE(log.Between(31, 100).empty());
}

TEST(ChangeLogTest, DropsTheOldestBeyondCapacity) {
  ChangeLog log(2);
  log.Append(At(1, "a"));
  log.Append(At(2, "b"));
  log.Append(At(3, "c"));
  EXPECT_EQ(log.size(), 2u);
  EXPECT_EQ(log.Between(0, 10).front().type, "b");
}

TEST(ChangeLogTest, PagerDutyChangeEventsMapOntoDeployments) {
  ChangeEvent e = ChangeFromPagerDuty(
      1000, "Deploy shop v2.5.0", "ci",
      R"({"app":"shop","new_version":"v2.5.0","old_version":"v2.4.0","author":"alice"})");
  EXPECT_EQ(e.type, "deployment") << "a version and no type: a deployment";
  EXPECT_EQ(e.service, "shop");
  EXPECT_EQ(e.Field("version"), "v2.5.0");
  EXPECT_EQ(e.Field("previous_version"), "v2.4.0");
  EXPECT_EQ(e.Field("who"), "alice");
  EXPECT_EQ(ChangeFromPagerDuty(1000, "flip", "ci", R"({"type":"feature_flag"})").type,
            "feature_flag");
  EXPECT_EQ(ChangeFromPagerDuty(1000, "something", "ci", "{}").type, "change");
  EXPECT_EQ(ChangeFromPagerDuty(1000, "bad details", "ci", "not json").service, "ci");
}

TEST(ChangeLogTest, TheJournalKeepsRecordedEventsAcrossReopenAndDropsATornLine) {
  char dir[] = "/tmp/changes-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/changes.ndjson";
  {
    ChangeLog log;
    ASSERT_TRUE(log.OpenJournal(path));
    ChangeEvent e = At(1'768'485'600'000, "deployment");
    e.service = "shop";
    e.fields["version"] = "v2";
    ASSERT_TRUE(log.Record(e));
  }
  std::ofstream(path, std::ios::app) << R"({"@timestamp":"2026-01-15T14:)";  // torn
  {
    ChangeLog log;
    ASSERT_TRUE(log.OpenJournal(path));
    auto all = log.Between(0, 1LL << 62);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].Field("version"), "v2");
    EXPECT_EQ(all[0].service, "shop");
    ASSERT_TRUE(log.Record(At(1'768'485'700'000, "config")));
  }
  ChangeLog log;
  ASSERT_TRUE(log.OpenJournal(path));
  EXPECT_EQ(log.size(), 2u) << "the event after the torn line is not swallowed by it";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fw::changes
