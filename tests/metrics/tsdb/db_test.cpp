#include "metrics/tsdb/db.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/scratch_dir.h"

namespace fw::metrics::tsdb {
namespace {

std::string TempDir() {
  std::string d = fw::testing::ScratchDir("fw_db");
  return d;
}

LabelSet Series(int i) {
  return LabelSet{{"__name__", "http_requests_total"},
                  {"instance", "i-" + std::to_string(i / 3)},
                  {"route", "/r" + std::to_string(i % 3)}};
}

// Samples of the series in [mint, maxt].
std::vector<Sample> Read(const Db& db, const LabelSet& l, Timestamp mint, Timestamp maxt) {
  std::vector<LabelMatcher> m;
  for (const Label& x : l.labels()) m.push_back({MatchType::kEqual, x.name, x.value});
  std::vector<Sample> out;
  auto series = db.head().Select(m, mint, maxt);
  EXPECT_TRUE(series);
  for (tsdb::Series& s : *series) {
    while (s.samples.Next()) out.push_back(s.samples.At());
  }
  return out;
}

TEST(DbTest, ReopenReplaysEverythingAndKeepsAppending) {
  const std::string dir = TempDir();
  {
    auto db = Db::Open(dir);
    ASSERT_TRUE(db) << db.error().ToString();
    std::vector<LabeledSample> batch;
    for (int t = 0; t < 10; ++t) {
      for (int s = 0; s < 21; ++s) batch.push_back({Series(s), {t * 15'000, double(t)}});
    }
    auto st = (*db)->Append(batch);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->accepted, 210u);
    // Out of order: rejected, counted, not logged.
    st = (*db)->Append({{Series(0), {0, 5}}});
    ASSERT_TRUE(st);
    EXPECT_EQ(st->rejected, 1u);
  }
  {
    auto db = Db::Open(dir);
    ASSERT_TRUE(db);
    EXPECT_EQ((*db)->open_stats().samples, 210u);
    EXPECT_EQ((*db)->open_stats().series, 21u);
    ASSERT_TRUE((*db)->Append({{Series(3), {150'000, 42}}}));
  }
  auto db = Db::Open(dir);  // a second generation of the log replays too
  ASSERT_TRUE(db);
  const auto samples = Read(**db, Series(3), 0, 1'000'000);
  ASSERT_EQ(samples.size(), 11u);
  EXPECT_EQ(samples.back().v, 42);
}

// The durability promise end to end: an ingesting process killed with
// SIGKILL at an arbitrary moment comes back with every sample it had
// acknowledged.
TEST(DbTest, AcknowledgedSamplesSurviveKill9DuringIngest) {
  for (int round = 0; round < 3; ++round) {
    const std::string dir = TempDir();
    int pipefd[2];
    ASSERT_EQ(pipe(pipefd), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(pipefd[0]);
      auto db = Db::Open(dir, WalOptions{256 << 10});
      if (!db) _exit(1);
      for (int64_t step = 0;; ++step) {
        std::vector<LabeledSample> batch;
        for (int s = 0; s < 50; ++s) batch.push_back({Series(s), {step * 1000, double(step)}});
        auto st = (*db)->Append(batch);
        if (!st || st->accepted != 50) _exit(1);
        if (write(pipefd[1], &step, sizeof step) != sizeof step) _exit(1);
      }
    }
    close(pipefd[1]);
    int64_t acked = -1, v;
    for (int n = 0; n < 50 + round * 150 && read(pipefd[0], &v, sizeof v) == sizeof v; ++n)
      acked = v;
    kill(pid, SIGKILL);
    while (read(pipefd[0], &v, sizeof v) == sizeof v) acked = v;
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer must have been killed, not failed";
    ASSERT_GE(acked, 0);
    auto db = Db::Open(dir);
    ASSERT_TRUE(db) << db.error().ToString();
    for (int s = 0; s < 50; ++s) {
      const auto samples = Read(**db, Series(s), 0, (acked + 10) * 1000);
      ASSERT_GE(static_cast<int64_t>(samples.size()), acked + 1)
          << "series " << s << " lost acknowledged samples (acked through step " << acked << ")";
      for (int64_t i = 0; i <= acked; ++i) ASSERT_EQ(samples[i].t, i * 1000);
    }
  }
}

}  // namespace
}  // namespace fw::metrics::tsdb
