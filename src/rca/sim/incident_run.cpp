#include "rca/sim/incident_run.h"

#include <unordered_map>

#include "alerting/memory_rule_storage.h"
#include "alerting/rule_eval.h"
#include "changes/change_log.h"
#include "logs/event_source.h"
#include "logs/record.h"
#include "rca/sim/sim_db_diagnostics.h"
#include "sim/metric_writer.h"
#include "sim/simulator.h"

namespace fw::rca {
namespace {

// Parses the writer's pre-rendered `a="x",b="y"` (escaped) into a LabelSet.
LabelSet ParseLabels(std::string_view name, std::string_view text) {
  std::vector<Label> out{{"__name__", std::string(name)}};
  size_t i = 0;
  while (i < text.size()) {
    const size_t eq = text.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= text.size()) break;
    Label l{std::string(text.substr(i, eq - i)), ""};
    size_t j = eq + 2;  // past ="
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\' && j + 1 < text.size()) {
        ++j;
        l.value += text[j] == 'n' ? '\n' : text[j];
      } else {
        l.value += text[j];
      }
    }
    out.push_back(std::move(l));
    i = j + 1;
    if (i < text.size() && text[i] == ',') ++i;
  }
  return LabelSet(std::move(out));
}

// Writes each scrape into the rule storage, parsing each series' labels once.
class StorageWriter final : public sim::MetricWriter {
 public:
  explicit StorageWriter(alerting::MemoryRuleStorage& s) : storage_(s) {}
  void Begin(Timestamp t) { now_ = t; }

  void Sample(const sim::MetricFamily& family, std::string_view labels, double value) override {
    std::vector<LabelSet>& ls = Lookup(family, labels, {});
    storage_.Add(ls[0], {now_, value});
  }

  void Histogram(const sim::MetricFamily& family, std::string_view labels,
                 std::span<const double> bounds, std::span<const int64_t> cumulative,
                 double sum) override {
    std::vector<LabelSet>& ls = Lookup(family, labels, bounds);
    for (size_t k = 0; k < cumulative.size() && k + 2 < ls.size(); ++k) {
      storage_.Add(ls[k], {now_, static_cast<double>(cumulative[k])});
    }
    storage_.Add(ls[ls.size() - 2], {now_, static_cast<double>(cumulative.back())});
    storage_.Add(ls.back(), {now_, sum});
  }

 private:
  // A histogram's sets: one per bucket (bounds, then +Inf), _count, _sum.
  std::vector<LabelSet>& Lookup(const sim::MetricFamily& family, std::string_view labels,
                                std::span<const double> bounds) {
    std::string key = std::string(family.name) + "{" + std::string(labels);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    std::vector<LabelSet> sets;
    if (family.type != sim::MetricType::kHistogram) {
      sets.push_back(ParseLabels(family.name, labels));
    } else {
      const std::string base = family.name;
      for (size_t k = 0; k <= bounds.size(); ++k) {
        LabelSet s = ParseLabels(base + "_bucket", labels);
        s.Set("le", k < bounds.size() ? sim::FormatValue(bounds[k]) : "+Inf");
        sets.push_back(std::move(s));
      }
      sets.push_back(ParseLabels(base + "_count", labels));
      sets.push_back(ParseLabels(base + "_sum", labels));
    }
    return cache_.emplace(std::move(key), std::move(sets)).first->second;
  }

  alerting::MemoryRuleStorage& storage_;
  Timestamp now_ = 0;
  std::unordered_map<std::string, std::vector<LabelSet>> cache_;
};

}  // namespace

struct IncidentRun::State final : sim::SimSink {
  explicit State(const sim::Scenario& sc) : simulator(sc), writer(storage), db(simulator) {}

  void OnLog(std::string_view line) override {
    events.push_back(logs::DecodeLine(line, simulator.now()));
  }
  void OnChange(std::string_view line) override {
    if (auto e = changes::ParseChangeJson(line)) change_log.Append(std::move(*e));
  }
  void OnScrape(Timestamp t, const sim::Simulator& s) override {
    writer.Begin(t);
    s.Collect(writer);
  }

  sim::Simulator simulator;
  alerting::MemoryRuleStorage storage;
  StorageWriter writer;
  std::vector<logs::LogEvent> events;
  std::unique_ptr<logs::VectorEventSource> log_source;
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
  s->log_source = std::make_unique<logs::VectorEventSource>(std::move(s->events));
  return std::unique_ptr<IncidentRun>(new IncidentRun(std::move(s)));
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
  return {&s_->storage, s_->log_source.get(), &s_->change_log, &s_->db};
}

}  // namespace fw::rca
