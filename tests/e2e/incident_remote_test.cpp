// `firewatch incident ... --server`: the incident commands against a running
// server, through its API, and `firewatch rca --incident` on the same server.

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace fw::e2e
