// "Durable means fsynced": a writer killed with SIGKILL at an arbitrary
// moment loses none of the incidents or timeline entries it acknowledged.
// Same pattern as tests/metrics/tsdb/db_test.cpp: the child reports each
// acknowledged write on a pipe; the parent kills it and checks the file.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <set>

#include "incident/service.h"
#include "incident/sqlite_store.h"
#include "temp_dir.h"

namespace fw::incident {
namespace {

// Step k declares incident "inc-k" when k % 4 == 0, else adds the note
// "note-k" to the latest incident. Never returns.
[[noreturn]] void Writer(const std::string& path, int64_t first_step, int fd) {
  auto store = SqliteStore::Open(path);
  if (!store) _exit(3);
  ManualClock clock(1'700'000'000'000);
  IncidentService service(**store, clock);
  const Who who{"writer", "test"};
  std::string latest;
  for (int64_t step = first_step;; ++step) {
    clock.Advance(std::chrono::seconds(1));
    if (latest.empty() || step % 4 == 0) {
      auto i = service.Declare({"inc-" + std::to_string(step), {"svc"}, Severity::kP3, ""}, who);
      if (!i) _exit(4);
      latest = i->id;
    } else if (!service.AddNote(latest, "note-" + std::to_string(step), who)) {
      _exit(5);
    }
    if (write(fd, &step, sizeof step) != sizeof step) _exit(6);
  }
}

// Runs a writer, kills it after `kill_after` acknowledgements (it may get a
// few more in before the signal lands) and returns every acknowledged step.
std::vector<int64_t> RunAndKill(const std::string& path, int64_t first_step, int kill_after) {
  int pipefd[2];
  EXPECT_EQ(pipe(pipefd), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    Writer(path, first_step, pipefd[1]);
  }
  close(pipefd[1]);
  std::vector<int64_t> acked;
  int64_t v;
  while (static_cast<int>(acked.size()) < kill_after && read(pipefd[0], &v, sizeof v) == sizeof v) {
    acked.push_back(v);
  }
  kill(pid, SIGKILL);
  while (read(pipefd[0], &v, sizeof v) == sizeof v) acked.push_back(v);
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the writer must have been killed, not failed (status " << status << ")";
  return acked;
}

TEST(DurabilityTest, AcknowledgedWritesSurviveKill9) {
  TempDir dir;
  const std::string path = dir.File("incidents.db");
  std::mt19937 rng(20261125);  // fixed seed: the "random" moments are reproducible
  std::vector<int64_t> all_acked;
  for (int round = 0; round < 4; ++round) {
    const int kill_after = 5 + static_cast<int>(rng() % 60);
    auto acked = RunAndKill(path, round * 1'000'000, kill_after);
    ASSERT_GE(static_cast<int>(acked.size()), kill_after) << "round " << round;
    all_acked.insert(all_acked.end(), acked.begin(), acked.end());

    // Everything acknowledged so far, in this life and the earlier ones.
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store) << store.error().ToString();
    std::set<std::string> seen;
    auto incidents = (*store)->List({});
    ASSERT_TRUE(incidents);
    for (const Incident& i : *incidents) {
      seen.insert(i.title);
      auto timeline = (*store)->Timeline(i.id);
      ASSERT_TRUE(timeline) << timeline.error().ToString();
      for (const TimelineEntry& e : *timeline) {
        if (e.kind == EntryKind::kNote) seen.insert(e.text);
      }
    }
    for (int64_t step : all_acked) {
      const bool found = seen.contains("inc-" + std::to_string(step)) ||
                         seen.contains("note-" + std::to_string(step));
      ASSERT_TRUE(found) << "acknowledged step " << step << " lost in round " << round;
    }
  }
}

}  // namespace
}  // namespace fw::incident
