// The metrics WAL and store on a disk that fills, fails (EIO) and frees:
// faults injected in the file layer (common/file_io.h) at every byte budget
// of a batch. Every acknowledged sample comes back after reopening; none
// that answered an error is visible, before or after (issue #14).

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "../../common/random_fault.h"
#include "../../common/scratch_dir.h"
#include "common/file_io.h"
#include "metrics/tsdb/db.h"
#include "metrics/tsdb/wal.h"

namespace fw::metrics::tsdb {
namespace {

struct Collect final : WalHandler {
  void OnSeries(const WalSeries&) override {}
  void OnSamples(std::span<const WalSample> batch) override {
    for (const WalSample& s : batch) times.insert(s.t);
  }
  std::set<Timestamp> times;
};

std::vector<WalSample> Batch(Timestamp first, int n) {
  std::vector<WalSample> b;
  for (int i = 0; i < n; ++i) b.push_back({1, first + i, 1.0});
  return b;
}

// Every byte budget that cuts a batch short, ENOSPC and EIO: the failed
// batch is cut back out, the next one after the disk frees lands after the
// good records, and replay has exactly the acknowledged batches.
TEST(DiskFaultTest, WalCutsAFailedBatchBackAtEveryByte) {
  int cases = 0;
  for (int err : {ENOSPC, EIO}) {
    for (int64_t budget = 0; budget < 200; budget += 7) {
      const std::string dir = fw::testing::ScratchDir("fw_walfault") + "/wal";
      std::set<Timestamp> acked;
      {
        auto wal = Wal::Open(dir);
        ASSERT_TRUE(wal);
        ASSERT_TRUE((*wal)->LogSamples(Batch(0, 5)) && (*wal)->Sync());
        for (Timestamp t = 0; t < 5; ++t) acked.insert(t);
        const auto good = std::filesystem::file_size(dir + "/00000001");
        {
          fileio::ScopedFault fault({err, budget, false, false});
          const bool ok = (*wal)->LogSamples(Batch(100, 20)) && (*wal)->Sync();
          if (ok) {
            for (Timestamp t = 100; t < 120; ++t) acked.insert(t);
          } else {
            EXPECT_EQ(std::filesystem::file_size(dir + "/00000001"), good)
                << "budget " << budget << ": the failed batch must be cut back";
          }
        }
        ASSERT_TRUE((*wal)->LogSamples(Batch(200, 5)) && (*wal)->Sync());
        for (Timestamp t = 200; t < 205; ++t) acked.insert(t);
      }
      Collect c;
      auto st = Wal::Replay(dir, c);
      ASSERT_TRUE(st);
      EXPECT_EQ(c.times, acked) << "budget " << budget << " errno " << err;
      EXPECT_EQ(st->skipped, 0u);
      EXPECT_FALSE(st->torn_tail);
      ++cases;
    }
  }
  RecordProperty("cases", cases);
}

TEST(DiskFaultTest, WalSyncFailureDropsTheUnsyncedBatch) {
  const std::string dir = fw::testing::ScratchDir("fw_walfault") + "/wal";
  {
    auto wal = Wal::Open(dir);
    ASSERT_TRUE(wal);
    ASSERT_TRUE((*wal)->LogSamples(Batch(0, 3)) && (*wal)->Sync());
    {
      fileio::ScopedFault fault({EIO, -1, true, false});
      ASSERT_TRUE((*wal)->LogSamples(Batch(10, 3)));
      EXPECT_FALSE((*wal)->Sync()) << "fdatasync fails with EIO";
    }
    ASSERT_TRUE((*wal)->LogSamples(Batch(20, 3)) && (*wal)->Sync());
  }
  Collect c;
  ASSERT_TRUE(Wal::Replay(dir, c));
  EXPECT_EQ(c.times, (std::set<Timestamp>{0, 1, 2, 20, 21, 22}));
}

// A disk that cannot even truncate: the log refuses every write (fails
// closed) until the cut-back succeeds, then goes on after the good records.
TEST(DiskFaultTest, WalFailsClosedUntilTheFailedWriteCanBeCutBack) {
  const std::string dir = fw::testing::ScratchDir("fw_walfault") + "/wal";
  {
    auto wal = Wal::Open(dir);
    ASSERT_TRUE(wal);
    ASSERT_TRUE((*wal)->LogSamples(Batch(0, 3)) && (*wal)->Sync());
    {
      fileio::ScopedFault fault({EIO, 10, true, true});
      EXPECT_FALSE((*wal)->LogSamples(Batch(10, 30)));
    }
    {
      fileio::ScopedFault fault({EIO, -1, false, true});  // writes work, the cut still fails
      EXPECT_FALSE((*wal)->LogSamples(Batch(20, 3))) << "must not append after a torn record";
      EXPECT_FALSE((*wal)->Sync());
    }
    ASSERT_TRUE((*wal)->LogSamples(Batch(30, 3)) && (*wal)->Sync()) << "repaired";
  }
  Collect c;
  auto st = Wal::Replay(dir, c);
  ASSERT_TRUE(st);
  EXPECT_EQ(c.times, (std::set<Timestamp>{0, 1, 2, 30, 31, 32}));
  EXPECT_EQ(st->skipped, 0u);
}

// What an older version left: a torn record with acknowledged ones after it.
TEST(DiskFaultTest, ReplaySkipsATornRecordInTheMiddle) {
  const std::string dir = fw::testing::ScratchDir("fw_walfault") + "/wal";
  {
    auto wal = Wal::Open(dir);
    ASSERT_TRUE(wal);
    ASSERT_TRUE((*wal)->LogSamples(Batch(0, 3)) && (*wal)->Sync());
  }
  const std::string seg = dir + "/00000001";
  const auto good = std::filesystem::file_size(seg);
  {
    auto wal = Wal::Open(dir);
    ASSERT_TRUE((*wal)->LogSamples(Batch(10, 40)) && (*wal)->Sync());
  }
  std::filesystem::resize_file(seg, good + 25);  // torn: 25 bytes of a record
  {
    // Append after the torn bytes, as the old code did (no cut-back).
    std::FILE* f = std::fopen(seg.c_str(), "ab");
    auto wal2dir = fw::testing::ScratchDir("fw_walfault") + "/wal";
    {
      auto w2 = Wal::Open(wal2dir);
      ASSERT_TRUE((*w2)->LogSamples(Batch(50, 3)) && (*w2)->Sync());
    }
    const std::string other = wal2dir + "/00000001";
    std::string bytes(std::filesystem::file_size(other), '\0');
    std::FILE* g = std::fopen(other.c_str(), "rb");
    ASSERT_EQ(std::fread(bytes.data(), 1, bytes.size(), g), bytes.size());
    std::fclose(g);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
  Collect c;
  auto st = Wal::Replay(dir, c);
  ASSERT_TRUE(st);
  EXPECT_EQ(c.times, (std::set<Timestamp>{0, 1, 2, 50, 51, 52}));
  EXPECT_EQ(st->skipped, 1u);
  EXPECT_FALSE(st->torn_tail);
}

LabelSet Series(int i) { return LabelSet{{"__name__", "m"}, {"s", std::to_string(i)}}; }

std::vector<LabeledSample> DbBatch(int series, Timestamp t, int first_series = 0) {
  std::vector<LabeledSample> b;
  for (int i = first_series; i < first_series + series; ++i) {
    b.push_back({Series(i), {t, static_cast<double>(t)}});
  }
  return b;
}

// (series, t) pairs the store shows.
std::set<std::pair<std::string, Timestamp>> Visible(const Db& db) {
  std::set<std::pair<std::string, Timestamp>> out;
  auto all = db.Select({{MatchType::kEqual, "__name__", "m"}}, INT64_MIN, INT64_MAX);
  EXPECT_TRUE(all);
  for (const SeriesSamples& s : *all) {
    for (const Sample& x : s.samples) out.insert({std::string(s.labels.Get("s")), x.t});
  }
  return out;
}

// Random phases of a disk that fills (write budget), fails (EIO on sync,
// with and without a working truncate) and frees, with new series in the
// failing batches, a reopen (as after kill -9: nothing but the files
// survives) after every phase: acknowledged samples all present, failed
// ones never visible, neither before nor after the reopen.
TEST(DiskFaultTest, DbShowsExactlyTheAcknowledgedSamplesThroughFaultsAndReopens) {
  std::mt19937 rng(14);
  int cases = 0;
  for (int round = 0; round < 6; ++round) {
    const std::string dir = fw::testing::ScratchDir("fw_dbfault");
    std::set<std::pair<std::string, Timestamp>> acked;
    Timestamp t = 1000;
    int next_series = 0;
    for (int phase = 0; phase < 8; ++phase) {
      DbOptions o;
      o.wal.segment_bytes = 4096;  // rotations inside the phases too
      auto db = Db::Open(dir, o);
      ASSERT_TRUE(db) << db.error().ToString();
      ASSERT_EQ(Visible(**db), acked) << "round " << round << " phase " << phase << " reopened";
      for (int step = 0; step < 6; ++step) {
        // The last step of a phase has a working disk: a log failed closed
        // (even the cut-back fails) still holds the failed batch until a
        // write repairs it, and a crash then may replay it (docs/server.md).
        const auto plan = fw::testing::RandomFault(rng, step == 5, 400);
        const int fresh = static_cast<int>(rng() % 3);  // new series in the batch
        auto batch = DbBatch(4, t);
        auto extra = DbBatch(fresh, t, 1000 + next_series);
        batch.insert(batch.end(), extra.begin(), extra.end());
        Result<AppendStats> r = fw::testing::UnderFault(plan, [&] { return (*db)->Append(batch); });
        ++cases;
        if (r) {
          ASSERT_EQ(r->accepted, batch.size());
          for (const LabeledSample& s : batch) acked.insert({std::string(s.labels.Get("s")), t});
          next_series += fresh;
        } else {
          EXPECT_EQ(r.error().code(), ErrorCode::kIo);
        }
        ASSERT_EQ(Visible(**db), acked) << "round " << round << " phase " << phase << " step "
                                        << step << ": " << (r ? "ok" : r.error().ToString());
        t += 1000;
      }
    }
    auto db = Db::Open(dir);
    ASSERT_TRUE(db);
    EXPECT_EQ(Visible(**db), acked);
    EXPECT_EQ((*db)->open_stats().skipped_records, 0u);
  }
  RecordProperty("cases", cases);
  std::printf("DiskFaultTest: %d faulted appends\n", cases);
}

// A head cut whose block and checkpoint cannot be written (a full disk)
// loses nothing: appends go on, and a reopen has every acknowledged sample
// (series declared only in the failed checkpoint are declared again).
TEST(DiskFaultTest, FailedHeadCutAndCheckpointLoseNothing) {
  const std::string dir = fw::testing::ScratchDir("fw_dbfault");
  std::set<std::pair<std::string, Timestamp>> acked;
  DbOptions o;
  o.block_range_ms = 10'000;
  o.retention_ms = 0;
  o.maintain_interval_ms = 0;
  Timestamp t = 0;
  {
    auto db = Db::Open(dir, o);
    ASSERT_TRUE(db);
    for (int i = 0; i < 40; ++i, t += 1000) {
      auto batch = DbBatch(3, t);
      fileio::FaultPlan plan;
      plan.write_budget = i % 5 == 4 ? 0 : -1;        // a disk that fills now and then
      if (i > 10 && i < 30) plan.write_budget = 300;  // cuts and checkpoints fail here
      fileio::ScopedFault fault(plan);
      auto r = (*db)->Append(batch);
      if (r) {
        for (const LabeledSample& s : batch) acked.insert({std::string(s.labels.Get("s")), t});
      }
    }
    fileio::ClearFault();
    EXPECT_EQ(Visible(**db), acked);
  }
  auto db = Db::Open(dir, o);
  ASSERT_TRUE(db) << db.error().ToString();
  EXPECT_EQ(Visible(**db), acked);
  EXPECT_GT(acked.size(), 60u);
}

}  // namespace
}  // namespace fw::metrics::tsdb
