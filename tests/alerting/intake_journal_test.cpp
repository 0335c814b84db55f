#include "alerting/intake_journal.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace fw::alerting {
namespace {

constexpr Timestamp kNow = 1'768'485'600'000;

class IntakeJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "fw_journal_XXXXXX";
    ASSERT_NE(mkdtemp(dir_.data()), nullptr);
    path_ = dir_ + "/intake.journal";
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<IntakeJournal> Reopen(std::vector<RoutedAlert>& replay, Timestamp now = kNow,
                                        IntakeJournalOptions o = {}) {
    replay.clear();
    auto j = IntakeJournal::Open(path_, now, &replay, o);
    EXPECT_TRUE(j) << j.error().ToString();
    return j ? std::move(*j) : nullptr;
  }

  static RoutedAlert Alert(const std::string& name, Timestamp ends_at = 0) {
    return {LabelSet({{"alertname", name}, {"service", "shop"}}),
            {{"summary", name + " is wrong"}},
            kNow - 60'000,
            ends_at,
            "http://x/alerts"};
  }

  std::string dir_, path_;
};

TEST_F(IntakeJournalTest, WhatWasAppendedComesBackAfterARestart) {
  std::vector<RoutedAlert> replay;
  {
    auto j = Reopen(replay);
    EXPECT_TRUE(replay.empty());
    ASSERT_TRUE(j->Append({Alert("A"), Alert("B")}));
    ASSERT_TRUE(j->Append({Alert("A")}));  // the same alert again: one record kept
  }                                        // no clean shutdown is needed: every Append was synced
  Reopen(replay);
  ASSERT_EQ(replay.size(), 2u);
  std::set<std::string> names;
  for (const RoutedAlert& a : replay) {
    names.insert(std::string(a.labels.Get("alertname")));
    EXPECT_EQ(a.annotations.at(0).second, std::string(a.labels.Get("alertname")) + " is wrong");
    EXPECT_EQ(a.starts_at, kNow - 60'000);
    EXPECT_EQ(a.generator_url, "http://x/alerts");
  }
  EXPECT_EQ(names, (std::set<std::string>{"A", "B"}));
}

TEST_F(IntakeJournalTest, TheLatestStateWinsAndOldResolutionsAreForgotten) {
  std::vector<RoutedAlert> replay;
  {
    auto j = Reopen(replay);
    ASSERT_TRUE(j->Append({Alert("Recent"), Alert("Old")}));
    ASSERT_TRUE(j->Append({Alert("Recent", kNow - 60'000), Alert("Old", kNow - 7'200'000)}));
  }
  Reopen(replay);  // keep_resolved defaults to 1 h
  ASSERT_EQ(replay.size(), 1u);
  EXPECT_EQ(replay[0].labels.Get("alertname"), "Recent");
  EXPECT_EQ(replay[0].ends_at, kNow - 60'000) << "replayed as resolved, so the router says so";
}

TEST_F(IntakeJournalTest, ATornLastLineFromACrashIsDropped) {
  std::vector<RoutedAlert> replay;
  { ASSERT_TRUE(Reopen(replay)->Append({Alert("Whole")})); }
  {
    std::ofstream torn(path_, std::ios::app);
    torn << R"({"labels":{"alertname":"Torn")";  // no newline: the write never finished
  }
  Reopen(replay);
  ASSERT_EQ(replay.size(), 1u);
  EXPECT_EQ(replay[0].labels.Get("alertname"), "Whole");
}

TEST_F(IntakeJournalTest, ConcurrentSendersAreAllDurable) {
  std::vector<RoutedAlert> replay;
  {
    auto j = Reopen(replay);
    std::vector<std::thread> senders;
    for (int t = 0; t < 4; ++t) {
      senders.emplace_back([&j, t] {
        for (int i = 0; i < 50; ++i) {
          EXPECT_TRUE(j->Append({Alert("T" + std::to_string(t) + "-" + std::to_string(i))}));
        }
      });
    }
    for (auto& s : senders) s.join();
  }
  Reopen(replay);
  EXPECT_EQ(replay.size(), 200u);
}

TEST_F(IntakeJournalTest, CompactionKeepsTheFileBounded) {
  std::vector<RoutedAlert> replay;
  IntakeJournalOptions o;
  o.compact_bytes = 4096;
  {
    auto j = Reopen(replay, kNow, o);
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(j->Append({Alert("Same")}));
  }
  EXPECT_LT(std::filesystem::file_size(path_), 8192u);
  Reopen(replay, kNow, o);
  EXPECT_EQ(replay.size(), 1u);
}

}  // namespace
}  // namespace fw::alerting
