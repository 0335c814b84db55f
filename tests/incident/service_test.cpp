// IncidentService on a ManualClock: lifecycle, dedup, the reopen window,
// the timeline, severity changes and MTTA/MTTR.

#include "incident/service.h"

#include <gtest/gtest.h>

#include "incident/sqlite_store.h"
#include "temp_dir.h"

namespace fw::incident {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr Timestamp kStart = 1'768'487'100'000;  // 2026-01-15T14:25:00Z

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() : clock_(kStart) {
    auto store = SqliteStore::Open(dir_.File("incidents.db"));
    EXPECT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    IncidentPolicy policy;
    policy.reopen_window = minutes(30);
    service_ = std::make_unique<IncidentService>(*store_, clock_, policy);
  }

  static AlertEvent Alert(const std::string& name, const std::string& service,
                          const std::string& severity = "warning", bool firing = true) {
    AlertEvent a;
    a.labels = LabelSet{{"alertname", name}, {"service", service}, {"severity", severity}};
    a.firing = firing;
    return a;
  }

  std::vector<std::string> Kinds(const std::string& id) {
    std::vector<std::string> out;
    auto timeline = service_->Timeline(id);
    EXPECT_TRUE(timeline);
    for (const TimelineEntry& e : timeline.value_or(std::vector<TimelineEntry>{})) {
      out.emplace_back(EntryKindName(e.kind));
    }
    return out;
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<IncidentService> service_;
  const Who alice_{"alice", "api"};
};

TEST_F(ServiceTest, AlertOpensAnIncidentWithPolicySeverity) {
  auto a = Alert("HighErrorRate", "checkout", "critical");
  a.annotations.Set("summary", "5xx above 1%");
  auto i = service_->OpenOrUpdateFromAlert(a);
  ASSERT_TRUE(i) << i.error().ToString();
  EXPECT_EQ(i->id, "INC-1");
  EXPECT_EQ(i->title, "5xx above 1%");
  EXPECT_EQ(i->severity, Severity::kP1);
  EXPECT_EQ(i->state, State::kTriggered);
  EXPECT_EQ(i->services, std::vector<std::string>{"checkout"});
  EXPECT_EQ(i->created_at, kStart);
  ASSERT_EQ(i->alerts.size(), 1u);
  EXPECT_EQ(Kinds(i->id), (std::vector<std::string>{"state_change", "alert_firing"}));
  auto warn = service_->OpenOrUpdateFromAlert(Alert("Slow", "search"));
  EXPECT_EQ(warn->severity, Severity::kP3);
  auto unknown = service_->OpenOrUpdateFromAlert(Alert("Odd", "x", "whatever"));
  EXPECT_EQ(unknown->severity, Severity::kP3);  // the default
}

TEST_F(ServiceTest, SameKeyJoinsTheOpenIncident) {
  auto first = service_->OpenOrUpdateFromAlert(Alert("HighErrorRate", "checkout"));
  ASSERT_TRUE(first);
  // The same alert again (a repeat) and a second instance of it.
  auto repeat = service_->OpenOrUpdateFromAlert(Alert("HighErrorRate", "checkout"));
  auto second = Alert("HighErrorRate", "checkout", "critical");
  second.labels.Set("instance", "app-2");
  clock_.Advance(seconds(5));
  auto joined = service_->OpenOrUpdateFromAlert(second);
  ASSERT_TRUE(repeat && joined);
  EXPECT_EQ(repeat->id, first->id);
  EXPECT_EQ(joined->id, first->id);
  EXPECT_EQ(joined->alerts.size(), 2u);
  EXPECT_EQ(joined->severity, Severity::kP1);  // raised by the worse alert
  EXPECT_EQ(service_->List({})->size(), 1u);
  EXPECT_EQ(Kinds(first->id), (std::vector<std::string>{"state_change", "alert_firing",
                                                        "alert_firing", "severity_change"}));
  // A different key is a different incident.
  auto other = service_->OpenOrUpdateFromAlert(Alert("HighErrorRate", "search"));
  EXPECT_EQ(other->id, "INC-2");
}

TEST_F(ServiceTest, ResolvedAlertIsRecordedButTheIncidentStaysOpen) {
  auto i = service_->OpenOrUpdateFromAlert(Alert("HighErrorRate", "checkout"));
  ASSERT_TRUE(i);
  auto r = service_->OpenOrUpdateFromAlert(Alert("HighErrorRate", "checkout", "warning", false));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->state, State::kTriggered);
  EXPECT_FALSE(r->alerts[0].firing);
  EXPECT_EQ(Kinds(i->id).back(), "alert_resolved");
  auto none = service_->OpenOrUpdateFromAlert(Alert("Nope", "x", "warning", false));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), ErrorCode::kNotFound);
}

TEST_F(ServiceTest, ReopensWithinTheWindowAndOpensANewOneAfter) {
  auto i = service_->OpenOrUpdateFromAlert(Alert("HighErrorRate", "checkout"));
  ASSERT_TRUE(service_->Resolve(i->id, alice_));
  clock_.Advance(minutes(29));
  auto back = service_->OpenOrUpdateFromAlert(Alert("HighErrorRate", "checkout"));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->id, i->id);
  EXPECT_EQ(back->state, State::kTriggered);
  EXPECT_FALSE(back->resolved_at);
  EXPECT_EQ(Kinds(i->id).end()[-2], "state_change");  // the reopen, then the alert

  ASSERT_TRUE(service_->Resolve(i->id, alice_));
  ASSERT_TRUE(service_->Close(i->id, alice_));
  clock_.Advance(minutes(31));
  auto fresh = service_->OpenOrUpdateFromAlert(Alert("HighErrorRate", "checkout"));
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->id, "INC-2");
  EXPECT_EQ(service_->Get(i->id)->state, State::kClosed);
}

TEST_F(ServiceTest, LifecycleAndInvalidSteps) {
  auto i = service_->Declare({"checkout down", {"checkout"}, Severity::kP2, ""}, alice_);
  ASSERT_TRUE(i);
  clock_.Advance(minutes(2));
  auto acked = service_->Acknowledge(i->id, alice_);
  ASSERT_TRUE(acked);
  EXPECT_EQ(acked->acknowledged_at, kStart + 120'000);
  auto twice = service_->Acknowledge(i->id, alice_);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(service_->Mitigate(i->id, alice_));
  ASSERT_TRUE(service_->Resolve(i->id, alice_));
  ASSERT_TRUE(service_->Close(i->id, alice_));
  auto late = service_->Acknowledge(i->id, alice_);
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().message().find("it is closed"), std::string::npos);
  auto reopened = service_->Reopen(i->id, "came back", alice_);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->state, State::kTriggered);
  EXPECT_FALSE(reopened->closed_at);
  EXPECT_FALSE(service_->Reopen(i->id, "again", alice_));  // open already
  EXPECT_EQ(service_->Acknowledge("INC-404", alice_).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->Acknowledge("bogus", alice_).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ServiceTest, SeverityChangeNeedsAReason) {
  auto i = service_->Declare({"slow", {}, Severity::kP3, ""}, alice_);
  ASSERT_TRUE(i);
  auto none = service_->SetSeverity(i->id, Severity::kP1, "  ", alice_);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("needs a reason"), std::string::npos);
  EXPECT_FALSE(service_->SetSeverity(i->id, Severity::kP3, "same", alice_));
  auto raised = service_->SetSeverity(i->id, Severity::kP1, "all checkouts failing", alice_);
  ASSERT_TRUE(raised);
  EXPECT_EQ(raised->severity, Severity::kP1);
  const TimelineEntry last = service_->Timeline(i->id)->back();
  EXPECT_EQ(last.kind, EntryKind::kSeverityChange);
  EXPECT_EQ(last.text, "P3 -> P1: all checkouts failing");
  EXPECT_NE(last.details.find("\"reason\":\"all checkouts failing\""), std::string::npos);
}

TEST_F(ServiceTest, TimelineRecordsEverythingInOrder) {
  auto i = service_->OpenOrUpdateFromAlert(Alert("HighErrorRate", "checkout"));
  ASSERT_TRUE(i);
  const std::string id = i->id;
  auto step = [&](auto result) {
    clock_.Advance(seconds(10));
    ASSERT_TRUE(result) << result.error().ToString();
  };
  step(service_->RecordNotification(id, NotificationStatus::kSent, "oncall", "paged"));
  step(service_->RecordNotification(id, NotificationStatus::kDelivered, "oncall", "200 OK"));
  step(service_->Acknowledge(id, alice_));
  step(service_->AssignRole(id, Role::kCommander, "alice", alice_));
  step(service_->AssignRole(id, Role::kScribe, "bob", alice_));
  step(service_->AddNote(id, "looking at the pool", alice_));
  step(service_->PostStatusUpdate(id, "checkout degraded, investigating", alice_));
  step(service_->RecordAction(id, "rollback to v2.4.9", R"({"step":1})", {"runbook", "runbook"}));
  step(service_->Mitigate(id, alice_));
  step(service_->Resolve(id, alice_));
  EXPECT_FALSE(service_->AddNote(id, "", alice_));
  EXPECT_FALSE(service_->AssignRole(id, Role::kScribe, "bob", alice_));  // no change
  EXPECT_FALSE(service_->RecordAction(id, "x", "[1]", alice_));          // details not an object

  const auto timeline = *service_->Timeline(id);
  EXPECT_EQ(Kinds(id), (std::vector<std::string>{
                           "state_change", "alert_firing", "notification_sent",
                           "notification_delivered", "state_change", "role_change", "role_change",
                           "note", "status_update", "action", "state_change", "state_change"}));
  for (size_t k = 1; k < timeline.size(); ++k) {
    EXPECT_GT(timeline[k].seq, timeline[k - 1].seq);
    EXPECT_GE(timeline[k].time, timeline[k - 1].time);
  }
  EXPECT_EQ(timeline[0].actor, "firewatch");
  EXPECT_EQ(timeline[0].source, "router");
  EXPECT_EQ(timeline[2].source, "notify");
  EXPECT_EQ(timeline[4].actor, "alice");
  EXPECT_EQ(timeline[9].actor, "runbook");
  EXPECT_EQ(timeline[4].time, kStart + 20'000);
  auto final = service_->Get(id);
  EXPECT_EQ(final->roles.at(Role::kCommander), "alice");
  EXPECT_EQ(final->roles.at(Role::kScribe), "bob");
}

TEST_F(ServiceTest, MttaAndMttrFromTheTimeline) {
  // INC-1: ack after 2m, resolved after 10m. INC-2: ack after 4m, resolved
  // after 30m. INC-3: ack after 9m, still open. INC-4: outside the range.
  struct Plan {
    std::string service;
    Severity sev;
    int ack_min, resolve_min;  // -1 = never
  };
  const std::vector<Plan> plans = {{"checkout", Severity::kP1, 2, 10},
                                   {"checkout", Severity::kP2, 4, 30},
                                   {"search", Severity::kP2, 9, -1}};
  for (const Plan& p : plans) {
    const Timestamp opened = clock_.Now();
    auto i = service_->Declare({"x", {p.service}, p.sev, ""}, alice_);
    ASSERT_TRUE(i);
    clock_.Set(opened + p.ack_min * 60'000);
    ASSERT_TRUE(service_->Acknowledge(i->id, alice_));
    if (p.resolve_min >= 0) {
      clock_.Set(opened + p.resolve_min * 60'000);
      ASSERT_TRUE(service_->Resolve(i->id, alice_));
    }
    clock_.Set(opened + 3'600'000);
  }
  const Timestamp end = clock_.Now();
  ASSERT_TRUE(service_->Declare({"later", {"db"}, Severity::kP4, ""}, alice_));

  auto m = service_->Metrics(kStart, end);
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->total, 3u);
  EXPECT_EQ(m->open, 1u);
  EXPECT_EQ(m->by_service.at("checkout"), 2u);
  EXPECT_EQ(m->by_service.at("search"), 1u);
  EXPECT_FALSE(m->by_service.contains("db"));
  EXPECT_EQ(m->by_severity, (std::array<size_t, 4>{1, 2, 0, 0}));
  EXPECT_EQ(m->mtta.count, 3u);
  EXPECT_DOUBLE_EQ(m->mtta.mean_ms, 5 * 60'000.0);
  EXPECT_DOUBLE_EQ(m->mtta.median_ms, 4 * 60'000.0);
  EXPECT_EQ(m->mttr.count, 2u);
  EXPECT_DOUBLE_EQ(m->mttr.mean_ms, 20 * 60'000.0);
  EXPECT_DOUBLE_EQ(m->mttr.median_ms, 20 * 60'000.0);
}

TEST_F(ServiceTest, ReopenedIncidentKeepsFirstAckAndLastResolveForMetrics) {
  auto i = service_->Declare({"flaky", {"api"}, Severity::kP3, ""}, alice_);
  clock_.Advance(minutes(1));
  ASSERT_TRUE(service_->Acknowledge(i->id, alice_));
  clock_.Advance(minutes(1));
  ASSERT_TRUE(service_->Resolve(i->id, alice_));
  clock_.Advance(minutes(5));
  ASSERT_TRUE(service_->Reopen(i->id, "back", alice_));
  clock_.Advance(minutes(1));
  ASSERT_TRUE(service_->Acknowledge(i->id, alice_));
  clock_.Advance(minutes(2));
  ASSERT_TRUE(service_->Resolve(i->id, alice_));
  auto m = service_->Metrics(kStart, clock_.Now());
  EXPECT_DOUBLE_EQ(m->mtta.mean_ms, 60'000.0);
  EXPECT_DOUBLE_EQ(m->mttr.mean_ms, 10 * 60'000.0);
}

// An incident grouped across services (here one group key for the alert
// everywhere) grows more severe as it spans more of them.
TEST_F(ServiceTest, MoreServicesHitRaiseTheSeverity) {
  IncidentPolicy policy;
  policy.severity = SeverityPolicy(SeverityPolicy::Default().rules(), Severity::kP3,
                                   {{2, Severity::kP2}, {3, Severity::kP1}});
  IncidentService service(*store_, clock_, policy);
  auto on = [&](const std::string& svc) {
    AlertEvent a = Alert("HighErrorRate", svc);  // warning: P3 by its labels
    a.group_key = "alertname=HighErrorRate";
    return service.OpenOrUpdateFromAlert(a);
  };
  auto one = on("checkout");
  ASSERT_TRUE(one) << one.error().ToString();
  EXPECT_EQ(one->severity, Severity::kP3);
  auto two = on("payments");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->id, one->id);
  EXPECT_EQ(two->severity, Severity::kP2);
  auto three = on("search");
  EXPECT_EQ(three->severity, Severity::kP1);
  auto timeline = service.Timeline(one->id);
  ASSERT_TRUE(timeline);
  EXPECT_EQ(timeline->back().text, "P2 -> P1: the incident spans 3 services");
  EXPECT_EQ(policy.severity.ForServices(1), std::nullopt);
  EXPECT_EQ(policy.severity.ForServices(7), Severity::kP1);
}

TEST(SeverityPolicyTest, FirstMatchingRuleWins) {
  SeverityPolicy p({{{{"team", "payments"}, {"severity", "warning"}}, Severity::kP2},
                    {{{"severity", "warning"}}, Severity::kP3}},
                   Severity::kP4);
  EXPECT_EQ(p.For(LabelSet{{"team", "payments"}, {"severity", "warning"}}), Severity::kP2);
  EXPECT_EQ(p.For(LabelSet{{"team", "search"}, {"severity", "warning"}}), Severity::kP3);
  EXPECT_EQ(p.For(LabelSet{{"severity", "critical"}}), Severity::kP4);
  EXPECT_EQ(SeverityPolicy::Default().For(LabelSet{{"severity", "critical"}}), Severity::kP1);
  EXPECT_EQ(SeverityPolicy::Default().For(LabelSet{{"severity", "info"}}), Severity::kP4);
}

// Time-based grouping: alerts of other groups that fire soon after an
// incident opened join it (one outage, one incident); their resolution
// finds it by fingerprint; past the window, or on another service, a new
// incident opens.
TEST_F(ServiceTest, CorrelatedAlertsJoinTheRecentIncident) {
  IncidentPolicy policy;
  policy.group_by = {"alertname"};
  policy.correlate_window = minutes(15);
  IncidentService svc(*store_, clock_, policy);
  auto first = svc.OpenOrUpdateFromAlert(Alert("ConnectionPoolSaturated", "shop"));
  ASSERT_TRUE(first);
  clock_.Advance(minutes(2));
  AlertEvent errors;  // aggregated over the fleet: no service label
  errors.labels = LabelSet{{"alertname", "HighErrorRate"}, {"severity", "critical"}};
  auto joined = svc.OpenOrUpdateFromAlert(errors);
  ASSERT_TRUE(joined) << joined.error().ToString();
  EXPECT_EQ(joined->id, first->id);
  EXPECT_EQ(joined->severity, Severity::kP1) << "a worse alert raises the severity";
  EXPECT_EQ(joined->alerts.size(), 2u);
  errors.firing = false;
  auto resolved = svc.OpenOrUpdateFromAlert(errors);
  ASSERT_TRUE(resolved) << "the resolution finds the incident that links the alert";
  EXPECT_EQ(resolved->id, first->id);
  auto other = svc.OpenOrUpdateFromAlert(Alert("HighCpu", "payments"));
  ASSERT_TRUE(other);
  EXPECT_NE(other->id, first->id) << "another service's alert opens its own incident";
  clock_.Advance(minutes(20));
  auto late = svc.OpenOrUpdateFromAlert(Alert("HighLatencyP99", "shop"));
  ASSERT_TRUE(late);
  EXPECT_NE(late->id, first->id) << "past the window: a new incident";
}

// Stored text that is not UTF-8 (older data, a path that skipped the checks)
// must not crash the service: the audit's crash loop came from here.
TEST_F(ServiceTest, InvalidUtf8InAnAlertNeitherThrowsNorIsLost) {
  AlertEvent a = Alert("Bad\xff", "shop\xc3");
  a.annotations.Set("summary", "broken \xe2\x82");
  auto i = service_->OpenOrUpdateFromAlert(a);
  ASSERT_TRUE(i) << i.error().ToString();
  auto timeline = service_->Timeline(i->id);
  ASSERT_TRUE(timeline);
  EXPECT_FALSE(timeline->empty());
  a.firing = false;
  EXPECT_TRUE(service_->OpenOrUpdateFromAlert(a));
}

}  // namespace
}  // namespace fw::incident
