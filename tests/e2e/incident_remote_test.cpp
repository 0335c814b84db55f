// `firewatch incident ... --server`: the incident commands against a running
// server, through its API, and `firewatch rca --incident` on the same server;
// `firewatch oncall who --server` against `--config`.

#include <gtest/gtest.h>

#include <fstream>

#include "subprocess.h"

namespace fw::e2e {
namespace {

class IncidentRemoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = MakeTempDir();
    server_ = std::make_unique<Background>(
        std::vector<std::string>{FIREWATCH_BIN, "serve", "--data", data_, "--port", "0"},
        std::vector<std::string>{"FIREWATCH_TOKEN=remote-e2e"});
    const std::string line = server_->ReadLine();
    const std::string prefix = "listening on ";
    ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
    url_ = line.substr(prefix.size());
  }

  RunResult Cli(std::vector<std::string> args) {
    std::vector<std::string> argv = {FIREWATCH_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return fw::e2e::Run(argv, {"FIREWATCH_SERVER=" + url_, "FIREWATCH_TOKEN=remote-e2e"});
  }

  std::string data_, url_;
  std::unique_ptr<Background> server_;
};

TEST_F(IncidentRemoteTest, DeclareAcknowledgeNoteResolveAndReadTheTimeline) {
  RunResult r =
      Cli({"incident", "open", "checkout fails", "--service", "shop", "--severity", "P1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("INC-1 triggered P1 checkout fails", 0), 0u) << r.out;
  ASSERT_EQ(Cli({"incident", "ack", "INC-1"}).exit_code, 0);
  ASSERT_EQ(Cli({"incident", "note", "INC-1", "rolled back v2.5.0"}).exit_code, 0);
  r = Cli({"incident", "resolve", "INC-1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("resolved"), std::string::npos) << r.out;

  r = Cli({"incident", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("INC-1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("resolved"), std::string::npos) << r.out;
  r = Cli({"incident", "list", "--open"});
  EXPECT_EQ(r.out, "no incidents\n");

  r = Cli({"incident", "timeline", "INC-1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rolled back v2.5.0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("acknowledged -> resolved"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("title"), std::string::npos) << "timeline only";

  // Analysis over the server's (empty) stores still answers, and says what it lacked.
  r = Cli({"rca", "--incident", "INC-1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("recorded on its timeline"), std::string::npos) << r.out;
  r = Cli({"incident", "show", "INC-1"});
  EXPECT_NE(r.out.find("root-cause analysis"), std::string::npos) << r.out;
}

TEST_F(IncidentRemoteTest, ErrorsSayWhatTheServerAnswered) {
  RunResult r = Cli({"incident", "ack", "INC-404"});
  EXPECT_EQ(r.exit_code, 1) << "not found is 1, as with --db";
  EXPECT_NE(r.err.find("404"), std::string::npos) << r.err;
  r = fw::e2e::Run({FIREWATCH_BIN, "incident", "ack", "INC-1", "--server", url_},
                   {"FIREWATCH_TOKEN=wrong"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("401"), std::string::npos) << r.err;
}

// `oncall who` prints the same from a config file and from a server that
// runs with it; a server without schedules says so.
TEST(OnCallRemoteTest, TheServerAnswersAsTheConfigFileDoes) {
  const std::string dir = MakeTempDir();
  const std::string config = dir + "/firewatch.yml";
  std::ofstream(config) << R"(schedules:
  - name: primary
    time_zone: America/New_York
    layers:
      - {start: "2026-01-05 09:00", rotation: 1w, users: [alice, bob]}
)";
  Background server(
      {FIREWATCH_BIN, "serve", "--config", config, "--data", dir + "/data", "--port", "0"},
      {"FIREWATCH_TOKEN=remote-e2e"});
  const std::string line = server.ReadLine();
  ASSERT_EQ(line.rfind("listening on ", 0), 0u) << line;
  const std::string url = line.substr(13);
  const std::string at = "2026-03-10T12:00:00Z";  // the week after the US spring change
  RunResult local = fw::e2e::Run({FIREWATCH_BIN, "oncall", "who", "--config", config, "--at", at});
  RunResult remote = fw::e2e::Run({FIREWATCH_BIN, "oncall", "who", "--server", url, "--at", at});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  ASSERT_EQ(remote.exit_code, 0) << remote.err;
  EXPECT_EQ(local.out, remote.out);
  EXPECT_NE(remote.out.find("primary   bob      2026-03-09 09:00 Mon -04:00  "
                            "2026-03-16 09:00 Mon -04:00  America/New_York"),
            std::string::npos)
      << remote.out;
  RunResult shifts =
      fw::e2e::Run({FIREWATCH_BIN, "oncall", "shifts", "--server", url, "--schedule", "nope"});
  EXPECT_NE(shifts.exit_code, 0);
  EXPECT_NE(shifts.err.find("no schedule \"nope\" (configured: primary)"), std::string::npos)
      << shifts.err;
}

}  // namespace
}  // namespace fw::e2e
