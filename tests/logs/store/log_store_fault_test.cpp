// The log store on a disk that fills, fails (EIO) and frees, faults injected
// in the file layer (common/file_io.h): the WAL and the segments are cut back
// after a failed append, so every acknowledged event comes back after a
// reopen and none that answered an error is ever scanned (issue #14).

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <random>
#include <set>

#include "../../common/random_fault.h"
#include "common/file_io.h"
#include "logs/store/log_store.h"

namespace fw::logs::store {
namespace {

std::multiset<std::string> Messages(const LogStore& s) {
  std::multiset<std::string> out;
  auto r = s.Scan({}, [&](const LogEvent& e) {
    out.insert(e.message);
    return true;
  });
  EXPECT_TRUE(r) << r.error().ToString();
  return out;
}

TEST(LogStoreFaultTest, AcknowledgedEventsComeBackAndFailedOnesAreNeverScanned) {
  std::mt19937 rng(14);
  std::string dir = ::testing::TempDir() + "fw_logfault_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  ManualClock clock(1'768'485'600'000);
  StoreOptions o;
  o.block_events = 25;  // seals (segment writes) inside the phases, some failing
  o.segment_bytes = 8 << 10;
  std::multiset<std::string> acked;
  int next = 0, cases = 0;
  for (int phase = 0; phase < 8; ++phase) {
    auto store = LogStore::Open(dir + "/logs", clock, o);
    ASSERT_TRUE(store) << store.error().ToString();
    ASSERT_EQ(Messages(**store), acked) << "phase " << phase << " reopened";
    for (int step = 0; step < 10; ++step) {
      std::vector<StoredEvent> batch;
      const int n = 1 + static_cast<int>(rng() % (step == 3 ? 40 : 8));  // some direct blocks
      for (int k = 0; k < n; ++k) {
        const std::string m = "event " + std::to_string(next++) + " " + std::string(60, 'x');
        batch.push_back({clock.Now(), clock.Now(), "g", "s", m});
      }
      std::vector<std::string> messages;
      for (const StoredEvent& e : batch) messages.push_back(e.message);
      const auto plan = fw::testing::RandomFault(rng, step == 9, 3000);
      Result<void> r =
          fw::testing::UnderFault(plan, [&] { return (*store)->Append(std::move(batch)); });
      ++cases;
      if (r) acked.insert(messages.begin(), messages.end());
      ASSERT_EQ(Messages(**store), acked)
          << "phase " << phase << " step " << step << ": " << (r ? "ok" : r.error().ToString());
    }
  }
  auto store = LogStore::Open(dir + "/logs", clock, o);
  ASSERT_TRUE(store);
  EXPECT_EQ(Messages(**store), acked);
  std::printf("LogStoreFaultTest: %d faulted appends, %zu events acknowledged\n", cases,
              acked.size());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fw::logs::store
