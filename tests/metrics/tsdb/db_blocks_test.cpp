// Blocks, head cuts, WAL checkpoints, compaction and retention through the
// Db, including kill -9 at every step of a cut and a compaction.

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "../../common/scratch_dir.h"
#include "metrics/tsdb/db.h"

namespace fw::metrics::tsdb {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kRange = 10'000;  // 10 s blocks keep the tests small
constexpr int kSeries = 12;

std::string TempDir() {
  std::string d = fw::testing::ScratchDir("fw_dbb");
  return d;
}

LabelSet Series(int i) {
  return LabelSet{{"__name__", "requests_total"}, {"instance", "i-" + std::to_string(i)}};
}

DbOptions Options(Clock* clock, int64_t retention = 0) {
  DbOptions o;
  o.block_range_ms = kRange;
  o.retention_ms = retention;
  o.clock = clock;
  o.maintain_interval_ms = 1;
  o.wal.segment_bytes = 64 << 10;
  return o;
}

// Appends one sample per series at each t in [from, to) stepping by `step`.
void Fill(Db& db, Timestamp from, Timestamp to, int64_t step) {
  for (Timestamp t = from; t < to; t += step) {
    std::vector<LabeledSample> batch;
    for (int s = 0; s < kSeries; ++s) batch.push_back({Series(s), {t, double(t / step)}});
    auto st = db.Append(batch);
    ASSERT_TRUE(st) << st.error().ToString();
    ASSERT_EQ(st->accepted, static_cast<size_t>(kSeries)) << st->first_rejection;
  }
}

// Every series holds exactly the timestamps from, from+step, ..., < to.
void ExpectExactly(const Db& db, Timestamp from, Timestamp to, int64_t step) {
  auto all = db.Select({}, INT64_MIN / 2, INT64_MAX / 2);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), static_cast<size_t>(kSeries));
  for (const SeriesSamples& s : *all) {
    ASSERT_EQ(static_cast<int64_t>(s.samples.size()), (to - from) / step) << s.labels.ToString();
    for (size_t i = 0; i < s.samples.size(); ++i) {
      ASSERT_EQ(s.samples[i].t, from + static_cast<int64_t>(i) * step) << s.labels.ToString();
    }
  }
}

uint64_t WalBytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir + "/wal")) {
    if (e.is_regular_file()) n += e.file_size();
  }
  return n;
}

TEST(DbBlocksTest, HeadCutWritesBlocksTruncatesWalAndReopensExactlyOnce) {
  const std::string dir = TempDir();
  ManualClock clock(0);
  uint64_t wal_after_cuts = 0;
  {
    auto db = Db::Open(dir, Options(&clock));
    ASSERT_TRUE(db);
    Fill(**db, 0, 100'000, 250);
    const DbStats st = (*db)->Stats();
    EXPECT_GE(st.head_cuts, 7u);
    EXPECT_GE((*db)->blocks().size(), 1u);  // cut blocks, compacted up to 90 s
    EXPECT_GE((*db)->head().MinValidTime(), 80'000);
    EXPECT_LE((*db)->head().MaxTime() - (*db)->head().MinTime(), kRange * 3 / 2);
    ExpectExactly(**db, 0, 100'000, 250);
    wal_after_cuts = WalBytes(dir);
    // Older than the head's start: rejected and counted, as in Prometheus.
    auto late = (*db)->Append({{Series(0), {1'000, 1}}});
    ASSERT_TRUE(late);
    EXPECT_EQ(late->rejected, 1u);
    EXPECT_EQ((*db)->head().Stats().out_of_order_total, 1u);
  }
  // The log holds about one block range, not the whole history.
  EXPECT_LT(wal_after_cuts, 100u * kSeries * 40);
  auto db = Db::Open(dir, Options(&clock));
  ASSERT_TRUE(db) << db.error().ToString();
  ExpectExactly(**db, 0, 100'000, 250);
  Fill(**db, 100'000, 130'000, 250);  // and appending continues where it stopped
  ExpectExactly(**db, 0, 130'000, 250);
}

TEST(DbBlocksTest, QueriesSpanBlocksAndHead) {
  ManualClock clock(0);
  auto db = Db::Open(TempDir(), Options(&clock));
  ASSERT_TRUE(db);
  Fill(**db, 0, 40'000, 1'000);
  ASSERT_FALSE((*db)->blocks().empty());
  const Timestamp boundary = (*db)->head().MinValidTime();
  auto part =
      (*db)->Select({{MatchType::kEqual, "instance", "i-3"}}, boundary - 3'000, boundary + 2'000);
  ASSERT_TRUE(part);
  ASSERT_EQ(part->size(), 1u);
  ASSERT_EQ((*part)[0].samples.size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ((*part)[0].samples[i].t, boundary - 3'000 + 1'000 * i);
  EXPECT_EQ((*db)->LabelNames(), (std::vector<std::string>{"__name__", "instance"}));
  auto values = (*db)->LabelValues("instance", {});
  ASSERT_TRUE(values);
  EXPECT_EQ(values->size(), static_cast<size_t>(kSeries));
}

TEST(DbBlocksTest, CompactionMergesAdjacentBlocksAndRemovesSources) {
  const std::string dir = TempDir();
  ManualClock clock(0);
  auto db = Db::Open(dir, Options(&clock));
  ASSERT_TRUE(db);
  Fill(**db, 0, 70'000, 500);
  EXPECT_GE((*db)->Stats().compactions, 1u);
  bool merged = false;
  for (const auto& b : (*db)->blocks()) {
    if (b->meta().level < 2) continue;
    merged = true;
    EXPECT_EQ(b->meta().mint % (3 * kRange), 0);
    EXPECT_EQ(b->meta().maxt, b->meta().mint + 3 * kRange);
    EXPECT_EQ(b->meta().parents.size(), 3u);
    for (const std::string& p : b->meta().parents) EXPECT_FALSE(fs::exists(dir + "/blocks/" + p));
  }
  EXPECT_TRUE(merged);
  ExpectExactly(**db, 0, 70'000, 500);
}

TEST(DbBlocksTest, RetentionDeletesBlocksPastTheirAge) {
  const std::string dir = TempDir();
  ManualClock clock(0);
  auto db = Db::Open(dir, Options(&clock, 25'000));  // too short to compact
  ASSERT_TRUE(db);
  Fill(**db, 0, 60'000, 1'000);
  const size_t before = (*db)->blocks().size();
  ASSERT_GE(before, 3u);
  clock.Set(50'000);
  ASSERT_TRUE((*db)->Maintain());
  for (const auto& b : (*db)->blocks()) EXPECT_GT(b->meta().maxt, 25'000);
  EXPECT_LT((*db)->blocks().size(), before);
  EXPECT_GE((*db)->Stats().blocks_deleted, 2u);
  auto rest = (*db)->Select({{MatchType::kEqual, "instance", "i-0"}}, 0, 100'000);
  ASSERT_TRUE(rest);
  EXPECT_EQ((*rest)[0].samples.front().t, 20'000);  // [10 s, 20 s) ended before the cutoff
  EXPECT_EQ((*rest)[0].samples.back().t, 59'000);
  // Without new data, retention counts from the newest sample (59 s) once
  // the clock has run past it: the last 25 s of data stay however late it is.
  clock.Set(1'000'000'000);
  ASSERT_TRUE((*db)->Maintain());
  const size_t kept = (*db)->blocks().size();
  for (const auto& b : (*db)->blocks()) EXPECT_GT(b->meta().maxt, 34'000);
  clock.Set(2'000'000'000);
  ASSERT_TRUE((*db)->Maintain());
  EXPECT_EQ((*db)->blocks().size(), kept);
  rest = (*db)->Select({{MatchType::kEqual, "instance", "i-0"}}, 0, 100'000);
  ASSERT_TRUE(rest);
  EXPECT_EQ((*rest)[0].samples.front().t, 30'000);
}

TEST(DbBlocksTest, ImportWritesHistoryToBlocks) {
  const std::string dir = TempDir();
  ManualClock clock(0);
  std::vector<SeriesSamples> data;
  for (int s = 0; s < kSeries; ++s) {
    SeriesSamples x{Series(s), {}};
    for (Timestamp t = 0; t < 65'000; t += 100) x.samples.push_back({t, double(t)});
    data.push_back(std::move(x));
  }
  {
    auto db = Db::Open(dir, Options(&clock));
    ASSERT_TRUE(db);
    auto st = (*db)->Import(data);
    ASSERT_TRUE(st) << st.error().ToString();
    EXPECT_EQ(st->accepted, kSeries * 650u);
    EXPECT_EQ((*db)->head().Stats().num_samples, 0u);  // all of it in blocks
    ExpectExactly(**db, 0, 65'000, 100);
    // Live appends after the imported range go on as usual.
    Fill(**db, 65'000, 66'000, 100);
    ExpectExactly(**db, 0, 66'000, 100);
  }
  EXPECT_LT(WalBytes(dir), kSeries * 10u * 20 + 4096);
  auto db = Db::Open(dir, Options(&clock));
  ASSERT_TRUE(db);
  ExpectExactly(**db, 0, 66'000, 100);
  // Importing the same data again duplicates nothing a query can see.
  ASSERT_TRUE((*db)->Import(data));
  ExpectExactly(**db, 0, 66'000, 100);
}

TEST(DbBlocksTest, TornTemporariesAreDeletedAndCorruptBlocksReported) {
  const std::string dir = TempDir();
  ManualClock clock(0);
  {
    auto db = Db::Open(dir, Options(&clock));
    ASSERT_TRUE(db);
    Fill(**db, 0, 30'000, 1'000);
  }
  fs::create_directories(dir + "/blocks/abc.tmp");
  std::ofstream(dir + "/blocks/abc.tmp/chunks") << "partial";
  fs::create_directories(dir + "/wal/checkpoint.00000099.tmp");
  {
    auto db = Db::Open(dir, Options(&clock));
    ASSERT_TRUE(db) << db.error().ToString();
    EXPECT_FALSE(fs::exists(dir + "/blocks/abc.tmp"));
    EXPECT_FALSE(fs::exists(dir + "/wal/checkpoint.00000099.tmp"));
    ExpectExactly(**db, 0, 30'000, 1'000);
  }
  const std::string block = (*Db::Open(dir, Options(&clock)))->blocks()[0]->dir();
  fs::resize_file(block + "/index", 10);
  auto db = Db::Open(dir, Options(&clock));
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message().find(block + "/index"), std::string::npos) << db.error().message();
}

// Runs a writer in a child that appends 1 sample per series every 100 ms of
// data time and reports each acknowledged step on a pipe; it dies by
// SIGKILL either at the `crash_at`-th passage of a named step or when the
// parent kills it after `kill_after` acknowledgements. Returns the last
// acknowledged step.
int64_t RunAndKill(const std::string& dir, const std::string& crash_step, int crash_at,
                   int kill_after) {
  int pipefd[2];
  EXPECT_EQ(pipe(pipefd), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    ManualClock clock(0);
    DbOptions o = Options(&clock);
    int passes = 0;
    o.crash_point = [&](std::string_view step) {
      if (step == crash_step && ++passes == crash_at) raise(SIGKILL);
    };
    auto db = Db::Open(dir, o);
    if (!db) _exit(1);
    int64_t step = 0;
    if (auto all = (*db)->Select({}, 0, INT64_MAX / 2); all && !all->empty()) {
      step = (*all)[0].samples.back().t / 100 + 1;  // resume after a previous round
    }
    for (;; ++step) {
      std::vector<LabeledSample> batch;
      for (int s = 0; s < kSeries; ++s) batch.push_back({Series(s), {step * 100, double(step)}});
      auto st = (*db)->Append(batch);
      if (!st || st->accepted != static_cast<size_t>(kSeries)) _exit(1);
      if (write(pipefd[1], &step, sizeof step) != sizeof step) _exit(1);
    }
  }
  close(pipefd[1]);
  int64_t acked = -1, v;
  for (int n = 0; (kill_after < 0 || n < kill_after) && read(pipefd[0], &v, sizeof v) == sizeof v;
       ++n) {
    acked = v;
  }
  kill(pid, SIGKILL);
  while (read(pipefd[0], &v, sizeof v) == sizeof v) acked = v;
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status)) << "the writer must have been killed, not failed";
  return acked;
}

// Every acknowledged step present exactly once; unacknowledged ones (the
// batch in flight) may be present too, but in order and once.
void ExpectAckedOnce(const std::string& dir, int64_t acked) {
  ManualClock clock(0);
  auto db = Db::Open(dir, Options(&clock));
  ASSERT_TRUE(db) << db.error().ToString();
  // No leftovers: sources of a merged block are gone, and so are temporaries.
  std::set<std::string> ids, parents;
  for (const auto& b : (*db)->blocks()) {
    ids.insert(b->meta().id);
    parents.insert(b->meta().parents.begin(), b->meta().parents.end());
  }
  for (const std::string& p : parents) EXPECT_EQ(ids.count(p), 0u) << "source " << p << " kept";
  for (const auto& e : fs::directory_iterator(dir + "/blocks")) {
    EXPECT_EQ(ids.count(e.path().filename().string()), 1u) << e.path();
  }
  auto all = (*db)->Select({}, INT64_MIN / 2, INT64_MAX / 2);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), static_cast<size_t>(kSeries));
  for (const SeriesSamples& s : *all) {
    ASSERT_GE(static_cast<int64_t>(s.samples.size()), acked + 1) << s.labels.ToString();
    for (size_t i = 0; i < s.samples.size(); ++i) {
      ASSERT_EQ(s.samples[i].t, static_cast<int64_t>(i) * 100) << s.labels.ToString();
    }
  }
}

TEST(DbBlocksTest, KillAtEveryStepOfACutOrCompactionLosesAndDuplicatesNothing) {
  for (const char* step : {"cut:block_written", "cut:head_truncated", "cut:checkpoint_unrenamed",
                           "cut:checkpointed", "compact:merged_written"}) {
    SCOPED_TRACE(step);
    const std::string dir = TempDir();
    // The step comes within ~750 appends; 5,000 bounds the test if it did not.
    const int64_t acked = RunAndKill(dir, step, 2, 5'000);
    ASSERT_LT(acked, 4'999) << "the writer never reached " << step;
    ASSERT_GE(acked, 0);
    ExpectAckedOnce(dir, acked);
    // A second life after recovery, killed at the same step again.
    const int64_t acked2 = RunAndKill(dir, step, 1, 5'000);
    ASSERT_GE(acked2, acked);
    ExpectAckedOnce(dir, acked2);
  }
}

TEST(DbBlocksTest, KillAtArbitraryMomentsDuringCutsLosesNothing) {
  const std::string dir = TempDir();
  int64_t acked = -1;
  for (int round = 0; round < 6; ++round) {
    acked = std::max(acked, RunAndKill(dir, "", 0, 40 + round * 37));
    ExpectAckedOnce(dir, acked);
  }
}

}  // namespace
}  // namespace fw::metrics::tsdb
