// Stakeholder updates: a status update goes to each audience, rendered
// from its template, on its channels (Slack and Teams fakes); the commander
// is reminded once when an update is overdue for the incident's severity.

#include "notify/stakeholders.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../e2e/subprocess.h"
#include "fake_http.h"
#include "scratch_incidents.h"

namespace fw::notify {
namespace {

constexpr Timestamp kMinute = 60'000;

class StakeholdersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(scratch_.service);
    incidents_ = scratch_.service.get();
    YamlReader r("firewatch.yml");
    auto doc = LoadYaml(R"(
people:
  - name: alice
    contact_methods: [{type: webhook, url: )" +
                            fake_.Url("/alice") + R"(}]
stakeholders:
  cadence: {P1: 30m}
  audiences:
    - name: executives
      channels: [{type: slack, url: )" +
                            fake_.Url("/slack/execs") + R"(}]
    - name: support
      template: "{{title}} ({{state}}): {{message}}"
      channels: [{type: teams, url: )" +
                            fake_.Url("/teams/support") + R"(}]
)",
                        "firewatch.yml");
    ASSERT_TRUE(doc);
    paging_ = ParsePaging(r, *doc);
    StakeholderSettings s = ParseStakeholders(r, *doc, paging_);
    for (const Error& e : r.errors()) FAIL() << e.ToString();
    stakeholders_ = std::make_unique<Stakeholders>(
        s, paging_, *incidents_,
        [this](alerting::Delivery d) -> Result<void> {
          queued_.push_back(std::move(d));
          return {};
        },
        [](const std::string&) { return std::string(); }, Millis(5'000));
  }
  // Delivers what was queued, as the notifier would; returns the outcomes.
  std::vector<std::string> DeliverQueued() {
    std::vector<std::string> out;
    for (const alerting::Delivery& d : queued_) {
      std::string detail;
      const int status = stakeholders_->Deliver(d, detail, clock_.Now());
      out.push_back(Stakeholders::Outcome(d, status / 100 == 2, detail)->second);
    }
    queued_.clear();
    return out;
  }
  std::vector<std::string> Texts(const std::string& id) {
    std::vector<std::string> out;
    auto timeline = incidents_->Timeline(id);
    EXPECT_TRUE(timeline);
    for (const auto& e : timeline ? *timeline : std::vector<incident::TimelineEntry>{}) {
      out.push_back(e.text);
    }
    return out;
  }

  testing::FakeHttp fake_;
  ManualClock clock_{*ParseTimestamp("2026-01-15T14:00:00Z")};
  testing::ScratchIncidents scratch_{clock_};
  incident::IncidentService* incidents_ = nullptr;
  PagingSettings paging_;
  std::unique_ptr<Stakeholders> stakeholders_;
  std::vector<alerting::Delivery> queued_;
};

TEST_F(StakeholdersTest, UpdateGoesToEachAudienceRenderedAndOnTheTimeline) {
  auto inc = incidents_->Declare({"checkout is down", {"checkout"}, incident::Severity::kP1, ""},
                                 {"ann", "cli"});
  ASSERT_TRUE(inc);
  ASSERT_TRUE(incidents_->AssignRole(inc->id, incident::Role::kCommander, "alice", {"ann", "cli"}));
  stakeholders_->Step(clock_.Now());
  EXPECT_TRUE(queued_.empty());
  clock_.SleepUntil(clock_.Now() + 5 * kMinute);
  ASSERT_TRUE(incidents_->PostStatusUpdate(inc->id, "rolled back v2.5.0; errors falling {{id}}",
                                           {"alice", "cli"}));
  stakeholders_->Step(clock_.Now());
  ASSERT_EQ(queued_.size(), 2u);
  EXPECT_EQ(DeliverQueued(), (std::vector<std::string>{"update to executives delivered by slack",
                                                       "update to support delivered by teams"}));
  const auto req = fake_.Requests();
  ASSERT_EQ(req.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(req[0].body)["text"],
            "*[P1] INC-1: checkout is down*\nP1 incident INC-1 (checkout): rolled back v2.5.0; "
            "errors falling {{id}}\nStatus: triggered. Commander: alice.");
  const auto teams = nlohmann::json::parse(req[1].body);
  EXPECT_EQ(teams["attachments"][0]["content"]["body"][1]["text"],
            "checkout is down (triggered): rolled back v2.5.0; errors falling {{id}}");
  const auto texts = Texts(inc->id);
  EXPECT_EQ(texts.back(), "status update sent to executives, support");
  stakeholders_->Step(clock_.Now());
  EXPECT_TRUE(queued_.empty()) << "each update goes out once";
}

TEST_F(StakeholdersTest, OverdueUpdateRemindsTheCommanderOnce) {
  auto inc = incidents_->Declare({"search is slow", {"search"}, incident::Severity::kP1, ""},
                                 {"ann", "cli"});
  ASSERT_TRUE(inc);
  ASSERT_TRUE(incidents_->AssignRole(inc->id, incident::Role::kCommander, "alice", {"ann", "cli"}));
  const Timestamp opened = clock_.Now();
  stakeholders_->Step(opened + 29 * kMinute);
  EXPECT_TRUE(queued_.empty()) << "not due yet";
  stakeholders_->Step(opened + 30 * kMinute);
  ASSERT_EQ(queued_.size(), 1u);
  EXPECT_EQ(DeliverQueued(), (std::vector<std::string>{"reminder delivered by webhook"}));
  const auto hook = nlohmann::json::parse(fake_.Requests().at(0).body);
  EXPECT_EQ(hook["subject"], "Update due: [P1] INC-1: search is slow");
  EXPECT_EQ(Texts(inc->id).back(), "stakeholder update due (every 30m); reminded alice by webhook");
  stakeholders_->Step(opened + 31 * kMinute);
  EXPECT_TRUE(queued_.empty()) << "one reminder per due time";
  // An update resets the clock: the next reminder is 30m after it.
  clock_.SleepUntil(opened + 40 * kMinute);
  ASSERT_TRUE(incidents_->PostStatusUpdate(inc->id, "index rebuilt", {"alice", "cli"}));
  stakeholders_->Step(clock_.Now());
  queued_.clear();
  stakeholders_->Step(opened + 69 * kMinute);
  EXPECT_TRUE(queued_.empty());
  stakeholders_->Step(opened + 70 * kMinute);
  EXPECT_EQ(queued_.size(), 1u);
}

TEST(StakeholderConfigTest, ProblemsNameTheField) {
  YamlReader r("firewatch.yml");
  auto doc = LoadYaml(R"(
stakeholders:
  cadence: {P9: 30m, P2: soon}
  audiences:
    - name: executives
      channels: [{type: email, to: ceo@example.com}]
    - name: nobody
)",
                      "firewatch.yml");
  ASSERT_TRUE(doc);
  ParseStakeholders(r, *doc, PagingSettings{});
  std::string all;
  for (const Error& e : r.errors()) all += e.ToString() + "\n";
  EXPECT_NE(all.find("stakeholders.cadence.P9"), std::string::npos) << all;
  EXPECT_NE(all.find("stakeholders.cadence.P2"), std::string::npos) << all;
  EXPECT_NE(all.find("email needs paging.smtp"), std::string::npos) << all;
  EXPECT_NE(all.find("stakeholders.audiences[1].channels: an audience needs a channel"),
            std::string::npos)
      << all;
}

}  // namespace
}  // namespace fw::notify
