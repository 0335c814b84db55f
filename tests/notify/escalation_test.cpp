// An escalation that reaches people, on a simulated clock: two levels, each
// paging whoever its schedule has on call at that minute, across Europe's
// spring-forward night; each person's methods in order with their delays;
// an acknowledgement from the page's own link stops everything else.

#include <gtest/gtest.h>

#include <map>

#include "../e2e/subprocess.h"
#include "alerting/notifier.h"
#include "fake_http.h"
#include "incident/oncall.h"
#include "notify/pager.h"

namespace fw::notify {
namespace {

using testing::FakeHttp;
using testing::FormValue;
using testing::Recorded;

constexpr Timestamp kMinute = 60'000;

std::string Config(const FakeHttp& fake) {
  return R"(
schedules:
  - name: primary
    time_zone: Europe/Berlin
    layers:
      - {name: daily, start: "2026-03-27 09:00", rotation: 1d, users: [alice, bob]}
  - name: secondary
    time_zone: Europe/Berlin
    layers:
      - {name: leads, start: "2026-03-01 00:00", rotation: 1w, users: [carol]}
escalation_policies:
  - name: default
    repeat: 1
    levels:
      - {targets: ["schedule:primary"], delay: 10m}
      - {targets: ["schedule:secondary"], delay: 10m}
paging:
  sms_providers:
    - {name: twilio, url: )" +
         fake.Url() + R"(, account_sid: AC1, auth_token: t1, from: "+100"}
people:
  - name: alice
    time_zone: Europe/Berlin
    contact_methods:
      - {type: push, url: )" +
         fake.Url("/ntfy/alice") + R"(}
      - {type: sms, to: "+4911", after: 2m}
  - name: bob
    time_zone: Europe/Berlin
    contact_methods:
      - {type: push, url: )" +
         fake.Url("/ntfy/bob") + R"(}
      - {type: sms, to: "+4922", after: 2m}
  - name: carol
    time_zone: America/New_York
    contact_methods:
      - {type: teams, url: )" +
         fake.Url("/teams/carol") + R"(}
)";
}

// "HH:MM path [To]" for each request that arrived, in order.
std::string Describe(const Recorded& r, Timestamp at) {
  const CivilTime c = TimeZone::Utc().ToLocal(at);
  char hhmm[8];
  std::snprintf(hhmm, sizeof hhmm, "%02d:%02d", c.hour, c.minute);
  std::string to = FormValue(r, "To");
  return std::string(hhmm) + " " + r.path + (to.empty() ? "" : " " + to);
}

TEST(EscalationPagingTest, TwoLevelsAcrossSpringForwardPageTheRightPersonAtTheRightMinute) {
  FakeHttp fake;
  YamlReader r("firewatch.yml");
  auto doc = LoadYaml(Config(fake), "firewatch.yml");
  ASSERT_TRUE(doc);
  const incident::OnCallConfig oncall = incident::ParseOnCall(r, *doc);
  const PagingSettings paging = ParsePaging(r, *doc);
  for (const Error& e : r.errors()) FAIL() << e.ToString();

  // 08:52 CEST on 2026-03-29, the morning after the clocks went forward:
  // bob's day until the 09:00 local handoff, which is 07:00Z today (08:00Z
  // yesterday).
  const Timestamp start = *ParseTimestamp("2026-03-29T06:52:00Z");
  ManualClock clock(start);
  const std::string dir = e2e::MakeTempDir();
  auto box = alerting::Outbox::Open(dir + "/outbox");
  ASSERT_TRUE(box);
  auto links = AckLinks::Open(dir + "/paging.key", dir + "/paging.used");
  ASSERT_TRUE(links);
  std::vector<std::string> outcomes;
  alerting::Notifier notifier(
      **box, clock, nullptr, {Millis(5'000), Millis(60'000), Millis(300'000)},
      [&](const alerting::Delivery& d, bool delivered, const std::string& detail, bool) {
        if (auto o = Pager::Outcome(d, delivered, detail)) outcomes.push_back(o->second);
      });
  Pager pager(paging, **links, clock,
              [&](alerting::Delivery d) { return notifier.Send(std::move(d)); },
              {"https://fw.example.com", Millis(5'000)});
  notifier.SetTransport(
      std::string(kPageScheme),
      [&](const alerting::Delivery& d, std::string& detail) { return pager.Deliver(d, detail); });
  incident::Escalation escalation(*oncall.FindPolicy("default"), oncall, start);

  std::vector<std::string> arrived;
  size_t seen = 0;
  for (Timestamp t = start; t <= start + 45 * kMinute; t += kMinute) {
    clock.SleepUntil(t);
    for (const incident::Page& p : escalation.Due(t)) {
      pager.Page({"INC-7", "checkout is down", 1, static_cast<int>(p.level + 1), p.users}, t);
    }
    pager.Step(t);
    notifier.DeliverDue(t);
    const auto requests = fake.Requests();
    for (; seen < requests.size(); ++seen) arrived.push_back(Describe(requests[seen], t));
    // alice answers her push at 07:13Z: the link in its Actions header.
    if (t == *ParseTimestamp("2026-03-29T07:13:00Z")) {
      std::string ack_url;
      for (const Recorded& req : requests) {
        if (req.path == "/ntfy/alice") ack_url = req.headers.find("Actions")->second;
      }
      ASSERT_NE(ack_url.find("https://fw.example.com/page/INC-7/ack?t="), std::string::npos)
          << ack_url;
      std::string token = ack_url.substr(ack_url.find("?t=") + 3);
      token = token.substr(0, token.find(','));
      auto claim = (*links)->Redeem(token, "INC-7", t);
      ASSERT_TRUE(claim) << claim.error().ToString();
      EXPECT_EQ(claim->person, "alice");
      pager.Acknowledge("INC-7");
      escalation.Acknowledge();
    }
  }

  const std::vector<std::string> want = {
      "06:52 /ntfy/bob",                                     // level 1: bob's day
      "06:54 /2010-04-01/Accounts/AC1/Messages.json +4922",  // bob's SMS, 2 min later
      "07:02 /teams/carol",                                  // level 2
      "07:12 /ntfy/alice",  // round 2, level 1: 09:12 CEST, alice's day since 09:00 local
                            // alice acknowledged at 07:13: no SMS at 07:14, no level 2 at 07:22.
  };
  EXPECT_EQ(arrived, want);
  EXPECT_EQ(outcomes, (std::vector<std::string>{"paged bob by push", "paged bob by sms via twilio",
                                                "paged carol by teams", "paged alice by push"}));
  EXPECT_TRUE((*box)->Pending().empty());
}

TEST(EscalationPagingTest, AnAcknowledgementDropsPagesStillInTheOutbox) {
  FakeHttp fake;
  fake.Answer("/ntfy/bob", 503);  // bob's push is retrying when alice acknowledges
  YamlReader r("firewatch.yml");
  auto doc = LoadYaml(Config(fake), "firewatch.yml");
  ASSERT_TRUE(doc);
  const PagingSettings paging = ParsePaging(r, *doc);
  ASSERT_TRUE(r.ok());
  ManualClock clock(*ParseTimestamp("2026-03-29T06:52:00Z"));
  const std::string dir = e2e::MakeTempDir();
  auto box = alerting::Outbox::Open(dir + "/outbox");
  auto links = AckLinks::Open(dir + "/paging.key", dir + "/paging.used");
  ASSERT_TRUE(box && links);
  std::vector<std::string> outcomes;
  alerting::Notifier notifier(
      **box, clock, nullptr, {Millis(5'000), Millis(1'000), Millis(1'000)},
      [&](const alerting::Delivery& d, bool delivered, const std::string& detail, bool retry) {
        if (auto o = Pager::Outcome(d, delivered, detail); o && !retry)
          outcomes.push_back(o->second);
      });
  Pager pager(paging, **links, clock,
              [&](alerting::Delivery d) { return notifier.Send(std::move(d)); }, {});
  notifier.SetTransport(
      std::string(kPageScheme),
      [&](const alerting::Delivery& d, std::string& detail) { return pager.Deliver(d, detail); });
  const Timestamp t0 = clock.Now();
  pager.Page({"INC-9", "db down", 1, 1, {"bob"}}, t0);
  pager.Step(t0);
  notifier.DeliverDue(t0);
  ASSERT_EQ(fake.Requests().size(), 1u);
  ASSERT_EQ((*box)->Pending().size(), 1u) << "503: kept for a retry";
  pager.Acknowledge("INC-9");
  clock.SleepUntil(t0 + 5 * kMinute);
  pager.Step(clock.Now());
  notifier.DeliverDue(clock.Now());
  EXPECT_EQ(fake.Requests().size(), 1u) << "neither the retry nor the SMS went out";
  EXPECT_TRUE((*box)->Pending().empty());
  EXPECT_EQ(outcomes,
            (std::vector<std::string>{"page to bob by push not sent: INC-9 was acknowledged"}));
}

}  // namespace
}  // namespace fw::notify
