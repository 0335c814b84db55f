// The incident-fatigue report over a store of incidents made the way the
// pipeline makes them: alerts, router notifications, person pages, acks.

#include "notify/noise_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../e2e/subprocess.h"
#include "scratch_incidents.h"

namespace fw::notify {
namespace {

constexpr Timestamp kMinute = 60'000;

class NoiseReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(scratch_.service);
    incidents_ = scratch_.service.get();
  }
  // An incident of `rule` opened now; returns its id.
  std::string Fire(const std::string& rule, bool firing = true) {
    incident::AlertEvent a{
        "", LabelSet({{"alertname", rule}, {"service", "shop"}}), {}, firing, "", "router"};
    auto inc = incidents_->OpenOrUpdateFromAlert(a);
    EXPECT_TRUE(inc) << inc.error().ToString();
    return inc ? inc->id : "";
  }
  void Page(const std::string& id, const std::string& text) {
    ASSERT_TRUE(
        incidents_->RecordNotification(id, incident::NotificationStatus::kDelivered, "page", text));
  }
  void Later(Timestamp ms) { clock_.SleepUntil(clock_.Now() + ms); }

  // Thursday 2026-01-15 02:00 UTC (03:00 in Berlin): off hours.
  ManualClock clock_{*ParseTimestamp("2026-01-15T02:00:00Z")};
  testing::ScratchIncidents scratch_{clock_};
  incident::IncidentService* incidents_ = nullptr;
};

TEST_F(NoiseReportTest, CountsPagesFlapsSilentIncidentsAndSuggests) {
  PagingSettings people;
  people.people.push_back({"alice", *TimeZone::Load("Europe/Berlin"), std::nullopt, {}});
  const Timestamp start = clock_.Now();

  // A flapping rule: fires, resolves, fires again, twice, in one incident.
  const std::string flappy = Fire("DiskFlap");
  Page(flappy, "paged alice by push");
  for (int i = 0; i < 2; ++i) {
    Later(kMinute);
    Fire("DiskFlap", false);
    Later(kMinute);
    Fire("DiskFlap");
  }
  // Nobody ever acts on CertExpiry: three incidents resolved by firewatch.
  for (int i = 0; i < 3; ++i) {
    Later(2 * 60 * kMinute);  // past the reopen window: a new incident each time
    const std::string id = Fire("CertExpiry");
    ASSERT_TRUE(incidents_->Resolve(id, {std::string(incident::kSystemActor), "responder"}));
  }
  // HighErrorRate at 10:00 UTC (11:00 Berlin): acknowledged by alice after 4 minutes.
  clock_.SleepUntil(*ParseTimestamp("2026-01-15T10:00:00Z"));
  const std::string errors = Fire("HighErrorRate");
  Page(errors, "paged alice by sms via backup (twilio failed: HTTP 500)");
  Later(4 * kMinute);
  ASSERT_TRUE(incidents_->Acknowledge(errors, {"alice", "page"}));
  ASSERT_TRUE(incidents_->Acknowledge(flappy, {"alice", "cli"}));

  NoiseOptions o;
  o.from = start - kMinute;
  o.to = clock_.Now() + kMinute;
  o.people = &people;
  auto r = BuildNoiseReport(*incidents_, o);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->incidents, 5);
  EXPECT_EQ(r->acknowledged, 2);
  EXPECT_EQ(r->no_action, 3);
  ASSERT_EQ(r->people.size(), 1u);
  EXPECT_EQ(r->people[0].person, "alice");
  EXPECT_EQ(r->people[0].pages, 2);
  EXPECT_EQ(r->people[0].off_hours, 1) << "03:00 Berlin is off hours, 11:00 is not";

  std::map<std::string, RuleNoise> rules;
  for (const RuleNoise& x : r->rules) rules[x.rule] = x;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules["DiskFlap"].firings, 3);
  EXPECT_EQ(rules["DiskFlap"].flaps, 2);
  EXPECT_NE(rules["DiskFlap"].suggestion.find("raise the rule's `for`"), std::string::npos);
  EXPECT_EQ(rules["CertExpiry"].incidents, 3);
  EXPECT_EQ(rules["CertExpiry"].no_action, 3);
  EXPECT_NE(rules["CertExpiry"].suggestion.find("route it to a ticket"), std::string::npos);
  EXPECT_EQ(rules["HighErrorRate"].pages, 1);
  EXPECT_EQ(rules["HighErrorRate"].suggestion, "") << "one page, acted on: not noise";

  EXPECT_EQ(r->by_hour[10].acknowledged, 1);
  EXPECT_DOUBLE_EQ(r->by_hour[10].mtta_seconds, 240);
  EXPECT_EQ(r->by_hour[2].acknowledged, 1);

  const std::string text = NoiseText(*r);
  EXPECT_NE(text.find("alice: 2 pages, 1 off hours"), std::string::npos) << text;
  EXPECT_NE(text.find("10:00  1 acknowledged, mean 4m"), std::string::npos) << text;
  const auto j = NoiseJson(*r);
  EXPECT_EQ(j["rules"].size(), 3u);
  EXPECT_EQ(j["people"][0]["pages"], 2);
}

TEST_F(NoiseReportTest, WindowLeavesOlderIncidentsOut) {
  Fire("Old");
  Later(40LL * 24 * 60 * kMinute);
  Fire("New");
  NoiseOptions o;
  o.to = clock_.Now() + 1;
  o.from = o.to - 30LL * 24 * 60 * kMinute;
  auto r = BuildNoiseReport(*incidents_, o);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->rules.size(), 1u);
  EXPECT_EQ(r->rules[0].rule, "New");
}

}  // namespace
}  // namespace fw::notify
