#include "rca/sim/incident_run.h"

#include "alerting/memory_rule_storage.h"
#include "alerting/rule_eval.h"
#include "changes/change_log.h"
#include "logs/event_source.h"
#include "logs/record.h"
#include "metrics/ingest/vanished_series.h"
#include "metrics/model.h"
#include "rca/sim/sim_db_diagnostics.h"
#include "sim/labeled_writer.h"
#include "sim/simulator.h"

namespace fw::rca {

// The run's log lines as they stand: the run may go on after it was read.
// (Not in an anonymous namespace: IncidentRun::State, declared in the
// header, holds one.)
class LinesSoFar final : public logs::EventSource {
 public:
  explicit LinesSoFar(const std::vector<logs::LogEvent>& events) : events_(events) {}
  Result<void> Scan(const logs::TimeRange& range,
                    const std::function<bool(const logs::LogEvent&)>& fn) override {
    for (const logs::LogEvent& e : events_) {
      if (range.Contains(e.timestamp) && !fn(e)) break;
    }
    return {};
  }

 private:
  const std::vector<logs::LogEvent>& events_;
};

struct IncidentRun::State final : sim::SimSink {
  explicit State(const sim::Scenario& sc)
      : simulator(sc),
        writer([this](const LabelSet& l, double v) {
          storage.Add(l, {scrape_time, v});
          vanished.Seen(l);
        }),
        log_source(events),
        db(simulator) {}

  void OnLog(std::string_view line) override {
    events.push_back(logs::DecodeLine(line, simulator.now()));
  }
  void OnChange(std::string_view line) override {
    if (auto e = changes::ParseChangeJson(line)) change_log.Append(std::move(*e));
  }
  void OnScrape(Timestamp t, const sim::Simulator& s) override {
    scrape_time = t;
    s.Collect(writer);
    for (const LabelSet& gone : vanished.EndScrape()) {
      storage.Add(gone, {scrape_time, metrics::StaleNaN()});
    }
  }

  sim::Simulator simulator;
  alerting::MemoryRuleStorage storage;
  Timestamp scrape_time = 0;
  sim::LabeledWriter writer;
  metrics::ingest::VanishedSeries vanished;  // a removed instance's series go stale
  std::vector<logs::LogEvent> events;
  LinesSoFar log_source;
  changes::ChangeLog change_log;
  SimDbDiagnostics db;
  Timestamp start = 0, onset = 0;
  std::string first_alert;
};

IncidentRun::IncidentRun(std::unique_ptr<State> s) : s_(std::move(s)) {}
IncidentRun::~IncidentRun() = default;

Result<std::unique_ptr<IncidentRun>> IncidentRun::Start(const sim::Scenario& scenario,
                                                        const IncidentRunOptions& options) {
  alerting::ParsedRules pack = alerting::ParseRules(GoldenSignalsRules(), "golden-signals.yml");
  if (!pack.errors.empty()) return Fail(pack.errors.front());
  if (pack.groups.empty()) return Fail(ErrorCode::kInternal, "the rule pack has no groups");
  auto s = std::make_unique<State>(scenario);
  s->simulator.set_sink(s.get());
  s->start = s->simulator.now();
  alerting::GroupEvaluator g(pack.groups.front(), std::chrono::seconds(15));
  const int64_t interval = g.interval().count();
  for (Timestamp t = s->start; t <= s->simulator.end() && !s->onset; t += interval) {
    s->simulator.RunUntil(t);
    for (const alerting::AlertChange& c : g.Eval(s->storage, t).changes) {
      if (c.alert.state == alerting::AlertState::kFiring && !s->onset) {
        s->onset = t;
        s->first_alert = c.rule;
      }
    }
  }
  if (s->onset) {
    s->simulator.RunUntil(std::min(s->onset + options.delay_ms, s->simulator.end()));
  } else {
    s->simulator.RunUntil(s->simulator.end());
  }
  return std::unique_ptr<IncidentRun>(new IncidentRun(std::move(s)));
}

void IncidentRun::RunUntilDelay(int64_t delay_ms) {
  if (!s_->onset) return;
  const Timestamp until = std::min(s_->onset + delay_ms, s_->simulator.end());
  if (until > s_->simulator.now()) s_->simulator.RunUntil(until);
}

Timestamp IncidentRun::start() const { return s_->start; }
Timestamp IncidentRun::onset() const { return s_->onset; }
const std::string& IncidentRun::first_alert() const { return s_->first_alert; }
Timestamp IncidentRun::now() const { return s_->simulator.now(); }

AnalysisWindow IncidentRun::Window() const {
  AnalysisWindow w;
  w.onset = s_->onset ? s_->onset : now();
  w.now = now();
  return w;
}

EvidenceSources IncidentRun::Sources() {
  return {&s_->storage, &s_->log_source, &s_->change_log, &s_->db};
}

}  // namespace fw::rca
