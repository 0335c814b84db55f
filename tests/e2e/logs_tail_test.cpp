// `logs ingest --follow FILE` (tail -F into the store: rotation, truncation,
// kill -9 and restart without losing or duplicating a line) and `logs tail`
// (recent events, then new ones as they arrive, stopped by SIGTERM).
// Waits poll the store with a deadline; nothing sleeps to synchronise.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "subprocess.h"

namespace fw::e2e {
namespace {

using nlohmann::json;

class LogsTailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = MakeTempDir();
    data_ = tmp_ + "/data";
    log_ = tmp_ + "/app.log";
  }
  void TearDown() override {
    follower_.reset();
    std::error_code ec;
    std::filesystem::remove_all(tmp_, ec);
  }

  static RunResult Firewatch(std::vector<std::string> args) {
    args.insert(args.begin(), FIREWATCH_BIN);
    return fw::e2e::Run(args);
  }

  static void Append(const std::string& path, int from, int to) {
    std::ofstream out(path, std::ios::app);
    for (int i = from; i < to; ++i) {
      out << "{\"ts\":\"2026-01-15T14:00:00Z\",\"seq\":" << i << ",\"msg\":\"line " << i << "\"}\n";
    }
  }

  void StartFollower() {
    follower_ = std::make_unique<Background>(std::vector<std::string>{
        FIREWATCH_BIN, "logs", "ingest", "--follow", "--poll-interval", "10ms", "--data", data_,
        "--group", "app", "--stream", "app", log_});
    ASSERT_EQ(follower_->ReadLine(), "following 1 file(s)");
  }

  // The stored events: seq -> how many times stored.
  std::map<int, int> Stored() {
    RunResult r = Firewatch({"logs", "query", "--data", data_, "--format", "json", "--max-groups",
                             "1000000", "stats count(*) as n by seq"});
    std::map<int, int> out;
    if (r.exit_code != 0) return out;  // no store yet
    for (const json& row : json::parse(r.out)) out[row["seq"].get<int>()] = row["n"].get<int>();
    return out;
  }

  // Polls the store until it holds `n` distinct lines (or 30 s pass), then
  // checks each of 0..n-1 is there exactly once.
  void ExpectExactly(int n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::map<int, int> got;
    while (std::chrono::steady_clock::now() < deadline) {
      got = Stored();
      if (static_cast<int>(got.size()) >= n) break;
    }
    ASSERT_EQ(static_cast<int>(got.size()), n);
    for (int i = 0; i < n; ++i) EXPECT_EQ(got[i], 1) << "line " << i;
  }

  std::string tmp_, data_, log_;
  std::unique_ptr<Background> follower_;
};

TEST_F(LogsTailTest, FollowsThroughKill9RotationAndTruncationExactlyOnce) {
  Append(log_, 0, 100);
  StartFollower();
  ExpectExactly(100);
  Append(log_, 100, 200);
  ExpectExactly(200);
  Append(log_, 200, 250);
  follower_->Kill();  // maybe mid-batch: the restart must settle it
  Append(log_, 250, 300);
  StartFollower();
  ExpectExactly(300);

  // Rotation while followed: the old file is finished, the new one read.
  Append(log_, 300, 350);
  ASSERT_EQ(std::rename(log_.c_str(), (log_ + ".1").c_str()), 0);
  Append(log_, 350, 400);
  ExpectExactly(400);

  // Rotation while down: the old file is found by its inode and finished.
  follower_->Kill();
  Append(log_, 400, 450);
  ASSERT_EQ(std::rename(log_.c_str(), (log_ + ".2").c_str()), 0);
  Append(log_, 450, 500);
  StartFollower();
  ExpectExactly(500);

  // copytruncate: the file shrinks under the follower.
  std::filesystem::resize_file(log_, 0);
  Append(log_, 500, 510);
  ExpectExactly(510);
  EXPECT_EQ(follower_->Terminate(), 0);
  std::ofstream(log_, std::ios::app) << "after the stop\n";
  ExpectExactly(510);  // nothing follows a stopped follower
}

TEST_F(LogsTailTest, IngestFilesKeepsBadLinesAndResumes) {
  {
    std::ofstream out(log_);
    out << "{\"seq\":0}\n{\"seq\": broken\n" << std::string(2 << 20, 'x') << "\n";
  }
  RunResult r = Firewatch({"logs", "ingest", "--data", data_, log_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 events, 1 malformed kept as text, 1 over-long lines cut to 1 MiB"),
            std::string::npos)
      << r.out;
  // A second run starts where the first stopped.
  std::ofstream(log_, std::ios::app) << "{\"seq\":1}\n";
  r = Firewatch({"logs", "ingest", "--data", data_, log_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(": 1 events"), std::string::npos) << r.out;
  r = Firewatch(
      {"logs", "query", "--data", data_, "--format", "json",
       "stats count(*) as n, count(seq) as json_lines, max(strlen(@message)) as longest"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json row = json::parse(r.out)[0];
  EXPECT_EQ(row["n"], 4);
  EXPECT_EQ(row["json_lines"], 2);
  EXPECT_EQ(row["longest"], 1 << 20);

  r = Firewatch({"logs", "ingest", "--follow", "--data", data_});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--follow needs files"), std::string::npos) << r.err;
}

TEST_F(LogsTailTest, TailPrintsRecentThenNewEventsAndStopsOnSigterm) {
  const std::string first = tmp_ + "/first.log", second = tmp_ + "/second.log";
  std::ofstream(first) << "{\"ts\":\"2026-01-15T14:00:01Z\",\"level\":\"ERROR\",\"n\":1}\n"
                       << "{\"ts\":\"2026-01-15T14:00:00Z\",\"level\":\"INFO\",\"n\":2}\n"
                       << "{\"ts\":\"2026-01-15T14:00:00Z\",\"level\":\"ERROR\",\"n\":3}\n";
  std::ofstream(second) << "{\"ts\":\"2026-01-15T14:00:05Z\",\"level\":\"ERROR\",\"n\":4}\n"
                        << "{\"ts\":\"2026-01-15T14:00:06Z\",\"level\":\"INFO\",\"n\":5}\n";
  ASSERT_EQ(Firewatch({"logs", "import", first, "--data", data_}).exit_code, 0);

  RunResult r = Firewatch({"logs", "tail", "--data", data_, "--since", "10000d", "--format",
                           "short", "--filter", "level = \"ERROR\""});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,  // by @timestamp
            "2026-01-15T14:00:00.000Z {\"ts\":\"2026-01-15T14:00:00Z\",\"level\":\"ERROR\","
            "\"n\":3}\n"
            "2026-01-15T14:00:01.000Z {\"ts\":\"2026-01-15T14:00:01Z\",\"level\":\"ERROR\","
            "\"n\":1}\n");

  Background tail({FIREWATCH_BIN, "logs", "tail", "--follow", "--poll-interval", "10ms", "--data",
                   data_, "--since", "10000d", "--format", "json", "--filter",
                   "level = \"ERROR\""});
  EXPECT_EQ(json::parse(tail.ReadLine())["@message"],
            "{\"ts\":\"2026-01-15T14:00:00Z\",\"level\":\"ERROR\",\"n\":3}");
  EXPECT_NE(tail.ReadLine().find("\"n\\\":1}"), std::string::npos);
  ASSERT_EQ(Firewatch({"logs", "import", second, "--data", data_}).exit_code, 0);
  const json fresh = json::parse(tail.ReadLine());
  EXPECT_EQ(fresh["@logStream"], "second.log");
  EXPECT_EQ(fresh["@timestamp"], "2026-01-15T14:00:05.000Z");
  EXPECT_EQ(tail.Terminate(), 0);

  r = Firewatch({"logs", "tail", "--data", data_, "--filter", "x | stats count(*)"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("one filter expression"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace fw::e2e
