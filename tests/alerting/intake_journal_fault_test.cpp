// The intake journal on a disk that fills, fails (EIO) and frees, faults
// injected in the file layer (common/file_io.h): every alert acknowledged
// comes back from the journal, none that answered an error does, and the
// journal opens on a disk with no room to compact it (issue #14).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "../common/random_fault.h"
#include "alerting/intake_journal.h"
#include "common/file_io.h"

namespace fw::alerting {
namespace {

constexpr Timestamp kNow = 1'768'485'600'000;

RoutedAlert Alert(int i) {
  return {LabelSet({{"alertname", "A" + std::to_string(i)}, {"service", "shop"}}),
          {{"summary", "number " + std::to_string(i)}},
          kNow - 60'000,
          0,
          "http://x/alerts"};
}

std::string TempPath() {
  std::string dir = ::testing::TempDir() + "fw_journal_fault_XXXXXX";
  EXPECT_NE(mkdtemp(dir.data()), nullptr);
  return dir + "/intake.journal";
}

std::set<std::string> Names(const std::vector<RoutedAlert>& alerts) {
  std::set<std::string> out;
  for (const RoutedAlert& a : alerts) out.insert(std::string(a.labels.Get("alertname")));
  return out;
}

TEST(IntakeJournalFaultTest, AcknowledgedAlertsComeBackAndFailedOnesNeverDo) {
  std::mt19937 rng(14);
  int cases = 0;
  for (int round = 0; round < 4; ++round) {
    const std::string path = TempPath();
    std::set<std::string> acked;
    int next = 0;
    for (int phase = 0; phase < 6; ++phase) {
      std::vector<RoutedAlert> replay;
      IntakeJournalOptions o;
      o.compact_bytes = 2048;  // compactions, some on a full disk, in the phases
      auto j = IntakeJournal::Open(path, kNow, &replay, o);
      ASSERT_TRUE(j) << j.error().ToString();
      ASSERT_EQ(Names(replay), acked) << "round " << round << " phase " << phase;
      for (int step = 0; step < 8; ++step) {
        std::vector<RoutedAlert> batch;
        const int n = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < n; ++k) batch.push_back(Alert(next++));
        const auto plan = fw::testing::RandomFault(rng, step == 7, 300);
        Result<void> r = fw::testing::UnderFault(plan, [&] { return (*j)->Append(batch); });
        ++cases;
        if (r) {
          for (const RoutedAlert& a : batch) acked.insert(std::string(a.labels.Get("alertname")));
        } else {
          EXPECT_EQ(r.error().code(), ErrorCode::kIo);
        }
      }
    }
    std::vector<RoutedAlert> replay;
    auto j = IntakeJournal::Open(path, kNow, &replay);
    ASSERT_TRUE(j);
    EXPECT_EQ(Names(replay), acked);
  }
  std::printf("IntakeJournalFaultTest: %d faulted appends\n", cases);
}

// A journal that cannot be rewritten at start-up (no room for the copy)
// opens anyway, its torn tail cut, and keeps taking alerts.
TEST(IntakeJournalFaultTest, OpensOnAFullDiskWithATornTail) {
  const std::string path = TempPath();
  {
    std::vector<RoutedAlert> replay;
    auto j = IntakeJournal::Open(path, kNow, &replay);
    ASSERT_TRUE(j);
    ASSERT_TRUE((*j)->Append({Alert(1), Alert(2)}));
  }
  {
    std::ofstream out(path, std::ios::app);
    out << R"({"labels":{"alertname":"torn")";  // a crash mid-write
  }
  {
    fileio::ScopedFault full({ENOSPC, 0, false, false});
    std::vector<RoutedAlert> replay;
    auto j = IntakeJournal::Open(path, kNow, &replay);
    ASSERT_TRUE(j) << j.error().ToString();
    EXPECT_EQ(Names(replay), (std::set<std::string>{"A1", "A2"}));
    EXPECT_FALSE((*j)->Append({Alert(3)})) << "the disk is still full";
  }
  std::vector<RoutedAlert> replay;
  auto j = IntakeJournal::Open(path, kNow, &replay);
  ASSERT_TRUE(j);
  ASSERT_TRUE((*j)->Append({Alert(4)}));
  j = IntakeJournal::Open(path, kNow, &replay);
  ASSERT_TRUE(j);
  EXPECT_EQ(Names(replay), (std::set<std::string>{"A1", "A2", "A4"}));
}

// What an older version left: a torn line with an acknowledged one glued
// to it, and more after it.
TEST(IntakeJournalFaultTest, ATornLineInTheMiddleLosesNothingAfterIt) {
  const std::string path = TempPath();
  {
    std::vector<RoutedAlert> replay;
    auto j = IntakeJournal::Open(path, kNow, &replay);
    ASSERT_TRUE((*j)->Append({Alert(1)}));
  }
  std::string intact;
  {
    std::ifstream in(path);
    std::getline(in, intact);
  }
  {
    std::ofstream out(path, std::ios::app);
    std::string a5 = intact, a6 = intact;
    a5.replace(a5.find("A1"), 2, "A5");
    a5.replace(a5.find("number 1"), 8, "number 5");
    a6.replace(a6.find("A1"), 2, "A6");
    out << R"({"labels":{"alertname":"A3","serv)" << a5 << "\n" << a6 << "\n";
  }
  std::vector<RoutedAlert> replay;
  auto j = IntakeJournal::Open(path, kNow, &replay);
  ASSERT_TRUE(j);
  EXPECT_EQ(Names(replay), (std::set<std::string>{"A1", "A5", "A6"}));
}

}  // namespace
}  // namespace fw::alerting
