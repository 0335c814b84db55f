#include "metrics/tsdb/wal.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "../../common/scratch_dir.h"

namespace fw::metrics::tsdb {
namespace {

std::string TempDir() {
  std::string d = fw::testing::ScratchDir("fw_wal");
  return d + "/wal";
}

struct Collect final : WalHandler {
  void OnFloor(Timestamp f) override { floor = f; }
  void OnSeries(const WalSeries& s) override { series[s.ref] = s.labels; }
  void OnSamples(std::span<const WalSample> batch) override {
    samples.insert(samples.end(), batch.begin(), batch.end());
  }
  std::map<uint64_t, LabelSet> series;
  std::vector<WalSample> samples;
  Timestamp floor = INT64_MIN;
};

TEST(WalTest, ReplaysWhatWasLoggedBitExact) {
  const std::string dir = TempDir();
  {
    auto wal = Wal::Open(dir);
    ASSERT_TRUE(wal) << wal.error().ToString();
    std::vector<WalSeries> s = {{1, LabelSet{{"__name__", "up"}, {"job", "app"}}},
                                {2, LabelSet{{"__name__", "x"}}}};
    ASSERT_TRUE((*wal)->LogSeries(s));
    std::vector<WalSample> batch = {{1, 1768485600000, 1}, {2, -5, StaleNaN()}, {1, 7, -0.0}};
    ASSERT_TRUE((*wal)->LogSamples(batch));
    ASSERT_TRUE((*wal)->Sync());
  }
  Collect c;
  auto st = Wal::Replay(dir, c);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->records, 2u);
  EXPECT_FALSE(st->torn_tail);
  ASSERT_EQ(c.series.size(), 2u);
  EXPECT_EQ(c.series[1].Get("job"), "app");
  ASSERT_EQ(c.samples.size(), 3u);
  EXPECT_EQ(c.samples[0].t, 1768485600000);
  EXPECT_EQ(c.samples[1].t, -5);
  EXPECT_TRUE(IsStaleNaN(c.samples[1].v));
  EXPECT_TRUE(std::signbit(c.samples[2].v));
}

TEST(WalTest, CheckpointReplacesTheSegmentsItCovers) {
  const std::string dir = TempDir();
  {
    auto wal = Wal::Open(dir);
    ASSERT_TRUE(wal);
    const WalSeries old{1, LabelSet{{"__name__", "old"}}};
    ASSERT_TRUE((*wal)->LogSeries({&old, 1}));
    const WalSample gone{1, 5, 1};
    ASSERT_TRUE((*wal)->LogSamples({&gone, 1}));
    auto closed = (*wal)->Rotate();
    ASSERT_TRUE(closed);
    EXPECT_EQ(*closed, 1u);
    ASSERT_TRUE((*wal)->Checkpoint(*closed, [](Wal& cp) -> Result<void> {
      if (auto r = cp.LogFloor(100); !r) return r;
      const WalSeries live{7, LabelSet{{"__name__", "live"}}};
      if (auto r = cp.LogSeries({&live, 1}); !r) return r;
      XorChunk chunk;
      for (int i = 0; i < 3; ++i) chunk.Append(100 + i, i);
      return cp.LogChunk(7, chunk);
    }));
    const WalSample later{7, 200, 9};
    ASSERT_TRUE((*wal)->LogSamples({&later, 1}));
    ASSERT_TRUE((*wal)->Sync());
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/00000001"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/checkpoint.00000001"));
  // A torn checkpoint of a later cut is ignored by replay and removed on
  // open; so is a segment the checkpoint covers (a crash before deletion).
  std::filesystem::create_directories(dir + "/checkpoint.00000002.tmp");
  std::filesystem::copy_file(dir + "/00000002", dir + "/00000001");
  Collect c;
  auto st = Wal::Replay(dir, c);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->checkpoint, 1u);
  EXPECT_EQ(c.floor, 100);
  EXPECT_EQ(c.series.count(1), 0u);
  ASSERT_EQ(c.samples.size(), 4u);
  EXPECT_EQ(c.samples[0].t, 100);
  EXPECT_EQ(c.samples[3].t, 200);
  ASSERT_TRUE(Wal::Open(dir));
  EXPECT_FALSE(std::filesystem::exists(dir + "/checkpoint.00000002.tmp"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/00000001"));
}

TEST(WalTest, RotatesSegmentsAndReplaysThemInOrder) {
  const std::string dir = TempDir();
  auto wal = Wal::Open(dir, WalOptions{256});
  ASSERT_TRUE(wal);
  // Segments rotate at synced boundaries (a failed batch never spans two).
  for (int i = 0; i < 100; ++i) {
    std::vector<WalSample> b = {{1, i, static_cast<double>(i)}};
    ASSERT_TRUE((*wal)->LogSamples(b));
    ASSERT_TRUE((*wal)->Sync());
  }
  EXPECT_GT((*wal)->current_segment(), 3u);
  Collect c;
  auto st = Wal::Replay(dir, c);
  ASSERT_TRUE(st);
  ASSERT_EQ(c.samples.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(c.samples[i].t, i);
}

TEST(WalTest, TornTailIsDroppedAndRepairedOnOpen) {
  const std::string dir = TempDir();
  {
    auto wal = Wal::Open(dir);
    ASSERT_TRUE(wal);
    for (int i = 0; i < 3; ++i) {
      std::vector<WalSample> b = {{1, i, 1.0}};
      ASSERT_TRUE((*wal)->LogSamples(b));
    }
    ASSERT_TRUE((*wal)->Sync());
  }
  const std::string seg = dir + "/00000001";
  const auto size = std::filesystem::file_size(seg);
  std::filesystem::resize_file(seg, size - 3);  // a crash mid-write
  Collect before;
  auto st = Wal::Replay(dir, before);
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->torn_tail);
  EXPECT_EQ(before.samples.size(), 2u);
  {
    auto wal = Wal::Open(dir);  // repairs, then appends after the good records
    ASSERT_TRUE(wal);
    std::vector<WalSample> b = {{1, 99, 2.0}};
    ASSERT_TRUE((*wal)->LogSamples(b));
    ASSERT_TRUE((*wal)->Sync());
  }
  Collect after;
  st = Wal::Replay(dir, after);
  ASSERT_TRUE(st);
  EXPECT_FALSE(st->torn_tail);
  ASSERT_EQ(after.samples.size(), 3u);
  EXPECT_EQ(after.samples[2].t, 99);
}

TEST(WalTest, CorruptRecordIsSkippedAndLaterOnesReplay) {
  const std::string dir = TempDir();
  {
    auto wal = Wal::Open(dir);
    ASSERT_TRUE(wal);
    for (int i = 0; i < 3; ++i) {
      std::vector<WalSample> b = {{1, i, 1.0}};
      ASSERT_TRUE((*wal)->LogSamples(b));
    }
    ASSERT_TRUE((*wal)->Sync());
  }
  std::fstream f(dir + "/00000001", std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(30);  // inside the second record's payload
  f.put('\x55');
  f.close();
  Collect c;
  auto st = Wal::Replay(dir, c);
  ASSERT_TRUE(st);
  ASSERT_EQ(c.samples.size(), 2u) << "the damaged record is skipped, the intact one after it kept";
  EXPECT_EQ(c.samples[0].t, 0);
  EXPECT_EQ(c.samples[1].t, 2);
  EXPECT_EQ(st->skipped, 1u);
  EXPECT_FALSE(st->torn_tail);
  EXPECT_TRUE(st->corruption.empty()) << "only damage in a checkpoint stops replay";
}

// The durability promise: a writer killed with SIGKILL at an arbitrary
// moment loses nothing it had acknowledged (synced) before dying.
TEST(WalTest, AcknowledgedSamplesSurviveKill9) {
  for (int round = 0; round < 3; ++round) {
    const std::string dir = TempDir();
    int pipefd[2];
    ASSERT_EQ(pipe(pipefd), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(pipefd[0]);
      auto wal = Wal::Open(dir, WalOptions{64 << 10});
      if (!wal) _exit(1);
      for (int64_t i = 0;; ++i) {
        std::vector<WalSample> b;
        for (int k = 0; k < 50; ++k) b.push_back({1, i * 50 + k, static_cast<double>(i)});
        if (!(*wal)->LogSamples(b) || !(*wal)->Sync()) _exit(1);
        // Acknowledge the batch: its last timestamp.
        const int64_t acked = i * 50 + 49;
        if (write(pipefd[1], &acked, sizeof acked) != sizeof acked) _exit(1);
      }
    }
    close(pipefd[1]);
    int64_t acked = -1, v;
    // Read a varying number of acknowledgements, then kill without warning.
    for (int n = 0; n < 200 + round * 300 && read(pipefd[0], &v, sizeof v) == sizeof v; ++n)
      acked = v;
    kill(pid, SIGKILL);
    while (read(pipefd[0], &v, sizeof v) == sizeof v) acked = v;  // acks sent before death
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_GT(acked, 0);
    Collect c;
    auto st = Wal::Replay(dir, c);
    ASSERT_TRUE(st) << st.error().ToString();
    ASSERT_FALSE(c.samples.empty());
    EXPECT_GE(c.samples.back().t, acked) << "an acknowledged sample was lost";
    for (size_t i = 0; i < c.samples.size(); ++i)
      ASSERT_EQ(c.samples[i].t, static_cast<int64_t>(i));
  }
}

}  // namespace
}  // namespace fw::metrics::tsdb
