// `firewatch incident ...` end to end: the real binary against a database
// file in a temporary directory.

#include <gtest/gtest.h>

#include <filesystem>

#include "../e2e/subprocess.h"

namespace fw::incident {
namespace {

class IncidentCliTest : public ::testing::Test {
 protected:
  IncidentCliTest() : dir_(e2e::MakeTempDir()), db_(dir_ + "/data/incidents.db") {}
  ~IncidentCliTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  e2e::RunResult Fw(std::vector<std::string> args) {
    args.insert(args.begin(), FIREWATCH_BIN);
    args.insert(args.end(), {"--db", db_, "--actor", "alice"});
    return e2e::Run(args);
  }

  std::string dir_, db_;
};

TEST_F(IncidentCliTest, WorkflowAndTimeline) {
  auto missing = Fw({"incident", "list"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no incident database at"), std::string::npos);

  auto open = Fw({"incident", "open", "checkout 5xx", "--service", "checkout", "--severity", "P2"});
  ASSERT_EQ(open.exit_code, 0) << open.err;
  EXPECT_EQ(open.out, "INC-1 triggered P2 checkout 5xx\n");
  EXPECT_EQ(Fw({"incident", "ack", "INC-1"}).exit_code, 0);
  EXPECT_EQ(Fw({"incident", "note", "INC-1", "pool exhausted"}).exit_code, 0);
  auto no_reason = Fw({"incident", "severity", "INC-1", "P1"});
  EXPECT_EQ(no_reason.exit_code, 2);
  EXPECT_NE(no_reason.err.find("--reason"), std::string::npos);
  EXPECT_EQ(Fw({"incident", "severity", "INC-1", "P1", "--reason", "all failing"}).exit_code, 0);
  EXPECT_EQ(Fw({"incident", "severity", "INC-1", "P7", "--reason", "x"}).exit_code, 2);

  auto show = Fw({"incident", "show", "INC-1"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  for (const char* want : {"acknowledged", "P1", "triggered -> acknowledged", "pool exhausted",
                           "P2 -> P1: all failing", "alice"}) {
    EXPECT_NE(show.out.find(want), std::string::npos) << want << " not in\n" << show.out;
  }
  EXPECT_LT(show.out.find("pool exhausted"), show.out.find("P2 -> P1"));  // in order

  auto list = Fw({"incident", "list", "--service", "checkout"});
  EXPECT_NE(list.out.find("INC-1  P1"), std::string::npos) << list.out;
  EXPECT_EQ(Fw({"incident", "list", "--service", "search"}).out, "no incidents\n");

  EXPECT_EQ(Fw({"incident", "show", "INC-9"}).exit_code, 1);
  EXPECT_EQ(Fw({"incident", "show", "nine"}).exit_code, 2);
  EXPECT_EQ(Fw({"incident", "resolve", "INC-1"}).exit_code, 0);
  EXPECT_EQ(Fw({"incident", "close", "INC-1"}).exit_code, 0);
  auto late = Fw({"incident", "ack", "INC-1"});
  EXPECT_EQ(late.exit_code, 2);
  EXPECT_NE(late.err.find("it is closed"), std::string::npos) << late.err;
}

}  // namespace
}  // namespace fw::incident
