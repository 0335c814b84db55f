// The change journal (DATA/changes.ndjson) on a disk that fills, fails (EIO)
// and frees, faults injected in the file layer: acknowledged events all come
// back, failed ones never, and it opens on a full disk (issue #14).

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "../common/random_fault.h"
#include "changes/change_log.h"
#include "common/file_io.h"

namespace fw::changes {
namespace {

ChangeEvent Event(int i) {
  ChangeEvent e;
  e.time = 1'768'485'600'000 + i;
  e.type = "deployment";
  e.service = "shop";
  e.fields["version"] = "v" + std::to_string(i);
  e.summary = "deploy " + std::to_string(i);
  return e;
}

std::set<std::string> Versions(const ChangeLog& log) {
  std::set<std::string> out;
  for (const ChangeEvent& e : log.Between(INT64_MIN, INT64_MAX)) out.insert(e.Field("version"));
  return out;
}

std::string TempPath() {
  std::string dir = ::testing::TempDir() + "fw_changes_fault_XXXXXX";
  EXPECT_NE(mkdtemp(dir.data()), nullptr);
  return dir + "/changes.ndjson";
}

TEST(ChangeLogFaultTest, AcknowledgedEventsComeBackAndFailedOnesNeverDo) {
  std::mt19937 rng(14);
  int cases = 0;
  const std::string path = TempPath();
  std::set<std::string> acked;
  int next = 0;
  for (int phase = 0; phase < 8; ++phase) {
    ChangeLog log;
    ASSERT_TRUE(log.OpenJournal(path));
    ASSERT_EQ(Versions(log), acked) << "phase " << phase;
    for (int step = 0; step < 8; ++step) {
      ChangeEvent e = Event(next++);
      const std::string version = e.Field("version");
      const auto plan = fw::testing::RandomFault(rng, step == 7, 150);
      Result<void> r = fw::testing::UnderFault(plan, [&] { return log.Record(std::move(e)); });
      ++cases;
      if (r) acked.insert(version);
      EXPECT_EQ(Versions(log), acked) << "a failed event must not be listed";
    }
  }
  ChangeLog log;
  ASSERT_TRUE(log.OpenJournal(path));
  EXPECT_EQ(Versions(log), acked);
  std::printf("ChangeLogFaultTest: %d faulted records\n", cases);
}

TEST(ChangeLogFaultTest, OpensOnAFullDiskWithATornTail) {
  const std::string path = TempPath();
  {
    ChangeLog log;
    ASSERT_TRUE(log.OpenJournal(path));
    ASSERT_TRUE(log.Record(Event(1)));
  }
  {
    std::ofstream out(path, std::ios::app);
    out << R"({"@timestamp":"2026-01-15T14:00:00Z","type":"deploy)";
  }
  {
    fileio::ScopedFault full({ENOSPC, 0, false, false});
    ChangeLog log;
    ASSERT_TRUE(log.OpenJournal(path));
    EXPECT_EQ(Versions(log), (std::set<std::string>{"v1"}));
    EXPECT_FALSE(log.Record(Event(2)));
  }
  ChangeLog log;
  ASSERT_TRUE(log.OpenJournal(path));
  ASSERT_TRUE(log.Record(Event(3)));
  ChangeLog again;
  ASSERT_TRUE(again.OpenJournal(path));
  EXPECT_EQ(Versions(again), (std::set<std::string>{"v1", "v3"}));
}

}  // namespace
}  // namespace fw::changes
