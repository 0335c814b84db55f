// The responder's decisions on a scripted incident: analysis stand-in, a
// recording adapter, metrics written by the test, all on a manual clock.

#include "response/responder.h"

#include <gtest/gtest.h>

#include "../incident/temp_dir.h"
#include "alerting/memory_rule_storage.h"
#include "incident/sqlite_store.h"
#include "report/records_json.h"
#include "response/approvals.h"

namespace fw::response {
namespace {

constexpr Timestamp kT0 = 1'768'485'600'000;  // 2026-01-15T14:00:00Z

// Records every call; fails the actions named in `failing`.
class RecordingAdapter final : public runbook::ActionAdapter {
 public:
  std::string name() const override { return "test"; }
  Result<runbook::ActionOutcome> Run(const runbook::ActionCall& call, bool dry_run) override {
    calls.push_back(call.action +
                    (call.args.count("version") ? " " + call.args.at("version") : ""));
    runbook::ActionOutcome out;
    out.ok = !failing.count(call.action);
    out.output = dry_run ? "dry run" : "done";
    return out;
  }
  std::vector<std::string> calls;
  std::set<std::string> failing;
};

constexpr const char* kRunbook = R"(name: leak
applies_to: {categories: [db_pool_exhaustion]}
steps:
  - name: roll back
    phase: containment
    action: rollback
    args: {service: "{{ .labels.service }}", version: "{{ .suspect.version }}"}
    on_failure: escalate
  - name: errors gone
    phase: recovery
    verify: errors < 1
    for: 1m
    timeout: 10m
    on_failure: escalate
)";

rca::Analysis Ranked(const std::string& category, double confidence) {
  rca::Analysis a;
  rca::Hypothesis h;
  h.category = category;
  h.confidence = confidence;
  h.runbook = "leak";
  h.suspect_change =
      rca::SuspectChange{"shop",       "v2.5.0",      "v2.4.0", "alice",
                         "deployment", kT0 - 600'000, 0.9,      "rolled out just before"};
  a.hypotheses.push_back(h);
  a.decisive = true;
  return a;
}

class ResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = incident::SqliteStore::Open(dir_.File("incidents.db"));
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    service_ = std::make_unique<incident::IncidentService>(*store_, clock_);
    auto rb = runbook::ParseRunbook(kRunbook, "leak.yml");
    ASSERT_TRUE(rb) << rb.error().ToString();
    runbooks_.runbooks.push_back(*rb);
  }

  // An incident opened by a firing alert on service shop.
  std::string Open() {
    incident::AlertEvent e;
    e.labels = LabelSet({{"alertname", "HighErrorRate"}, {"service", "shop"}});
    auto inc = service_->OpenOrUpdateFromAlert(e);
    EXPECT_TRUE(inc) << inc.error().ToString();
    return inc ? inc->id : "";
  }

  void Errors(double v) { metrics_.Add(LabelSet({{"__name__", "errors"}}), {clock_.Now(), v}); }

  // Advances the clock in 15 s steps for `minutes`, writing the error gauge.
  void Run(Responder& r, int minutes, double errors) {
    for (int i = 0; i < minutes * 4; ++i) {
      clock_.Advance(std::chrono::seconds(15));
      Errors(errors);
      r.Tick(clock_.Now());
    }
  }

  std::unique_ptr<Responder> Make(rca::Analysis analysis,
                                  const std::function<void(ResponderOptions&)>& tweak = {}) {
    ResponderOptions o;
    o.analyze = [analysis](const rca::EvidenceSources&, const rca::AnalysisWindow& w) {
      rca::Analysis a = analysis;
      a.window = w;
      return Result<rca::Analysis>(a);
    };
    o.recovery_watch = Millis(5 * 60'000);
    o.auto_approve = true;
    if (tweak) tweak(o);
    return std::make_unique<Responder>(*service_, rca::EvidenceSources{}, metrics_, runbooks_,
                                       adapter_, o);
  }

  std::vector<incident::TimelineEntry> Timeline(const std::string& id) {
    auto t = service_->Timeline(id);
    EXPECT_TRUE(t);
    return t ? *t : std::vector<incident::TimelineEntry>{};
  }

  incident::TempDir dir_;
  ManualClock clock_{kT0};
  std::unique_ptr<incident::SqliteStore> store_;
  std::unique_ptr<incident::IncidentService> service_;
  runbook::RunbookSet runbooks_;
  alerting::MemoryRuleStorage metrics_;
  RecordingAdapter adapter_;
};

TEST_F(ResponderTest, RunsTheRecommendedRunbookAndResolvesOnceRecoveryHolds) {
  const std::string id = Open();
  auto responder = Make(Ranked("db_pool_exhaustion", 0.8));
  Errors(5);
  responder->Tick(clock_.Now());
  ASSERT_EQ(responder->cases().size(), 1u);
  const ResponseCase& c = *responder->cases()[0];
  EXPECT_EQ(adapter_.calls, std::vector<std::string>{"rollback v2.5.0"});
  EXPECT_EQ(service_->Get(id)->state, incident::State::kMitigated);  // containment done
  Run(*responder, 3, 5);  // errors persist: the verification keeps waiting
  EXPECT_EQ(c.phase, CasePhase::kRunning);
  Run(*responder, 2, 0);  // errors gone for over a minute
  EXPECT_EQ(c.phase, CasePhase::kWatching);
  EXPECT_EQ(service_->Get(id)->state, incident::State::kResolved);
  Run(*responder, 6, 0);
  EXPECT_EQ(c.phase, CasePhase::kDone);
  EXPECT_TRUE(responder->idle());

  // The timeline alone tells the story: the analysis and the finished run.
  auto in = report::ReportInputFromTimeline(*service_->Get(id), Timeline(id));
  ASSERT_TRUE(in) << in.error().ToString();
  ASSERT_NE(in->analysis, nullptr);
  EXPECT_EQ(in->analysis->hypotheses.at(0).category, "db_pool_exhaustion");
  ASSERT_EQ(in->runs.size(), 1u);
  EXPECT_EQ(in->runs[0].status, runbook::RunStatus::kSucceeded);
  EXPECT_EQ(in->runs[0].steps.at(1).status, runbook::StepStatus::kSucceeded);
}

TEST_F(ResponderTest, EscalatesWhenNoHypothesisIsConfidentEnough) {
  const std::string id = Open();
  auto responder = Make(Ranked("db_pool_exhaustion", 0.05));
  responder->Tick(clock_.Now());
  EXPECT_EQ(responder->cases().at(0)->phase, CasePhase::kEscalated);
  EXPECT_TRUE(adapter_.calls.empty());
  EXPECT_EQ(service_->Get(id)->state, incident::State::kAcknowledged);  // humans take over
  bool said = false;
  for (const auto& e : Timeline(id)) said |= e.text.find("escalating to humans") == 0;
  EXPECT_TRUE(said);
}

TEST_F(ResponderTest, EscalatesWhenTheAnalysisCannotTell) {
  const std::string id = Open();
  rca::Analysis a = Ranked("db_pool_exhaustion", 0.8);
  a.decisive = false;
  a.undecided = "db_pool_exhaustion and slow_queries fit about as well (80% and 76%)";
  auto responder = Make(a);
  responder->Tick(clock_.Now());
  EXPECT_EQ(responder->cases().at(0)->phase, CasePhase::kEscalated);
  EXPECT_TRUE(adapter_.calls.empty()) << "no runbook runs on a guess";
  bool said = false;
  for (const auto& e : Timeline(id)) said |= e.text.find("fit about as well") != std::string::npos;
  EXPECT_TRUE(said) << "the timeline says why a human was paged";
}

TEST_F(ResponderTest, EscalatesWhenTheRunbookDoesNotApply) {
  Open();
  auto responder = Make(Ranked("memory_leak", 0.9));  // the runbook is for pool exhaustion
  responder->Tick(clock_.Now());
  EXPECT_EQ(responder->cases().at(0)->phase, CasePhase::kEscalated);
  EXPECT_TRUE(adapter_.calls.empty());
}

TEST_F(ResponderTest, AFailedActionEscalatesAndLeavesTheIncidentOpen) {
  const std::string id = Open();
  adapter_.failing.insert("rollback");
  auto responder = Make(Ranked("db_pool_exhaustion", 0.8));
  responder->Tick(clock_.Now());
  const ResponseCase& c = *responder->cases().at(0);
  EXPECT_EQ(c.phase, CasePhase::kEscalated);
  ASSERT_EQ(c.runs.size(), 1u);
  EXPECT_NE(c.runs[0].status, runbook::RunStatus::kSucceeded);
  EXPECT_TRUE(service_->Get(id)->IsOpen());
}

TEST_F(ResponderTest, ARecurrenceDuringTheWatchStartsTheResponseAgain) {
  const std::string id = Open();
  auto responder = Make(Ranked("db_pool_exhaustion", 0.8));
  Errors(0);
  Run(*responder, 2, 0);
  ASSERT_EQ(responder->cases().at(0)->phase, CasePhase::kWatching);
  // The same alert fires again within the reopen window: the incident reopens.
  Open();
  ASSERT_EQ(service_->Get(id)->state, incident::State::kTriggered);
  Run(*responder, 1, 0);
  EXPECT_EQ(responder->cases().at(0)->attempts, 2);
  EXPECT_EQ(adapter_.calls.size(), 2u);
  EXPECT_EQ(responder->cases().size(), 1u);  // same incident, same case
}

// Under the runbook approval policy nothing runs until a person says yes;
// the answer is heard at the next tick.
TEST_F(ResponderTest, WaitsForAnApprovalBeforeTheFirstAction) {
  const std::string id = Open();
  ApprovalBook book(clock_);
  auto responder = Make(Ranked("db_pool_exhaustion", 0.8), [&](ResponderOptions& o) {
    o.auto_approve = false;
    o.approver = &book;
    o.acknowledge = false;
  });
  responder->Tick(clock_.Now());
  EXPECT_TRUE(adapter_.calls.empty()) << "nothing runs before the approval";
  ASSERT_EQ(book.Waiting(id).size(), 1u);
  EXPECT_EQ(book.Waiting(id)[0].gate, "approval to run leak");
  EXPECT_EQ(service_->Get(id)->state, incident::State::kTriggered) << "people acknowledge";
  Run(*responder, 2, 5);
  EXPECT_TRUE(adapter_.calls.empty());
  auto answered = book.Decide(id, "", true);
  ASSERT_TRUE(answered) << answered.error().ToString();
  responder->Tick(clock_.Now());
  EXPECT_EQ(adapter_.calls, std::vector<std::string>{"rollback v2.5.0"});
  EXPECT_FALSE(book.Decide(id, "", true)) << "nothing waits any more";
}

// Per-action gates, and a rejection ends the run and hands the incident over.
TEST_F(ResponderTest, ActionGatesAndARejectionEscalates) {
  const std::string id = Open();
  ApprovalBook book(clock_);
  std::vector<std::string> escalated;
  auto responder = Make(Ranked("db_pool_exhaustion", 0.8), [&](ResponderOptions& o) {
    o.auto_approve = false;
    o.approver = &book;
    o.gates = ApprovalGates::kActions;
    o.on_escalate = [&](const std::string& inc, const std::string&) { escalated.push_back(inc); };
  });
  responder->Tick(clock_.Now());
  ASSERT_EQ(book.Waiting(id).size(), 1u);
  EXPECT_EQ(book.Waiting(id)[0].gate, "approve: roll back");
  auto wrong = book.Decide(id, "approve: something else", true);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message().find("approve: roll back"), std::string::npos)
      << "names what does wait: " << wrong.error().message();
  ASSERT_TRUE(book.Decide(id, "approve: roll back", false));
  responder->Tick(clock_.Now());
  EXPECT_TRUE(adapter_.calls.empty());
  EXPECT_EQ(responder->cases()[0]->phase, CasePhase::kEscalated);
  EXPECT_EQ(escalated, std::vector<std::string>{id});
}

// An unanswered gate times out into escalation.
TEST_F(ResponderTest, AnUnansweredApprovalEscalatesAfterItsTimeout) {
  const std::string id = Open();
  ApprovalBook book(clock_);
  auto responder = Make(Ranked("db_pool_exhaustion", 0.8), [&](ResponderOptions& o) {
    o.auto_approve = false;
    o.approver = &book;
    o.approval_timeout = Millis(5 * 60'000);
  });
  responder->Tick(clock_.Now());
  Run(*responder, 4, 5);
  EXPECT_EQ(responder->cases()[0]->phase, CasePhase::kRunning);
  Run(*responder, 2, 5);
  EXPECT_EQ(responder->cases()[0]->phase, CasePhase::kEscalated);
  EXPECT_TRUE(adapter_.calls.empty());
}

// An analysis that cannot tell does not act: humans are paged instead.
TEST_F(ResponderTest, BelowTheConfidenceFloorItPagesInsteadOfActing) {
  const std::string id = Open();
  std::string why;
  auto responder = Make(Ranked("db_pool_exhaustion", 0.15), [&](ResponderOptions& o) {
    o.min_confidence = 0.3;
    o.on_escalate = [&](const std::string&, const std::string& w) { why = w; };
  });
  responder->Tick(clock_.Now());
  EXPECT_TRUE(adapter_.calls.empty());
  EXPECT_EQ(responder->cases()[0]->phase, CasePhase::kEscalated);
  EXPECT_NE(why.find("not sure enough"), std::string::npos) << why;
}

// A responder that finds an incident already mitigated (a restart during
// the response) does not repeat its actions.
TEST_F(ResponderTest, AnIncidentMitigatedBeforeItStartedIsHandedToPeople) {
  const std::string id = Open();
  ASSERT_TRUE(service_->Mitigate(id, {"ann", "api"}));
  auto responder = Make(Ranked("db_pool_exhaustion", 0.8));
  responder->Tick(clock_.Now());
  EXPECT_TRUE(adapter_.calls.empty());
  EXPECT_EQ(responder->cases()[0]->phase, CasePhase::kEscalated);
}

// An incident a runbook already acted on before this responder started (a
// restart, or a fail-over to another replica mid-run) is handed to people:
// its actions are not repeated.
TEST_F(ResponderTest, AnIncidentARunbookActedOnBeforeIsHandedToPeople) {
  const std::string id = Open();
  ASSERT_TRUE(service_->RecordAction(id, "step rollback: done", "{}",
                                     {"firewatch", std::string(report::kRunbookSource)}));
  auto responder = Make(Ranked("db_pool_exhaustion", 0.8));
  responder->Tick(clock_.Now());
  EXPECT_TRUE(adapter_.calls.empty());
  EXPECT_EQ(responder->cases()[0]->phase, CasePhase::kEscalated);
}

// A person starts a runbook by name on an open incident.
TEST_F(ResponderTest, StartsARunbookOnRequest) {
  const std::string id = Open();
  auto responder = Make(Ranked("cpu_saturation", 0.9));  // no runbook applies: escalated
  responder->Tick(clock_.Now());
  EXPECT_EQ(responder->cases()[0]->phase, CasePhase::kEscalated);
  EXPECT_FALSE(responder->StartRunbook(id, "nope", "ann", clock_.Now()));
  EXPECT_FALSE(responder->StartRunbook("INC-404", "leak", "ann", clock_.Now()));
  ASSERT_TRUE(responder->StartRunbook(id, "leak", "ann", clock_.Now()));
  EXPECT_EQ(responder->cases()[0]->phase, CasePhase::kRunning);
  EXPECT_EQ(adapter_.calls.size(), 1u);
  auto again = responder->StartRunbook(id, "leak", "ann", clock_.Now());
  ASSERT_FALSE(again) << "one run at a time";
}

}  // namespace
}  // namespace fw::response
