#include "alerting/rule_test.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "alerting/memory_rule_storage.h"
#include "alerting/rule_eval.h"
#include "common/yaml_reader.h"
#include "metrics/promql/engine.h"
#include "metrics/promql/parser.h"
#include "metrics/promql/test_script.h"

namespace fw::alerting {
namespace {

namespace promql = metrics::promql;

struct AlertCheck {
  Millis at{0};
  std::string alertname;
  std::vector<std::pair<LabelSet, LabelSet>> expected;  // labels, annotations
};

struct ExprCheck {
  Millis at{0};
  std::string expr;
  std::vector<std::pair<LabelSet, double>> expected;
};

LabelSet FromPairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::vector<Label> labels;
  for (const auto& [n, v] : pairs) labels.push_back({n, v});
  return LabelSet(std::move(labels));
}

std::string Show(const std::vector<std::pair<LabelSet, LabelSet>>& alerts) {
  std::string out = "[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    out += (i ? ", " : "") + alerts[i].first.ToString() + " " + alerts[i].second.ToString();
  }
  return out + "]";
}

class TestFileRunner {
 public:
  explicit TestFileRunner(std::string path) : path_(std::move(path)), r_(path_) {}

  Result<RuleTestReport> Run() {
    std::ifstream in(path_);
    if (!in) return Fail(ErrorCode::kNotFound, "cannot open test file", {path_, 0, 0});
    std::stringstream text;
    text << in.rdbuf();
    auto doc = LoadYaml(text.str(), path_);
    if (!doc) return Fail(doc.error());
    r_.Keys(*doc, "", {"rule_files", "evaluation_interval", "tests", "group_eval_order"});
    std::vector<std::string> files;
    r_.StrList(*doc, "", "rule_files", files);
    Millis interval = std::chrono::minutes(1);
    r_.Dur(*doc, "", "evaluation_interval", interval);
    if (!r_.ok()) return Fail(r_.errors().front());
    auto groups = LoadGroups(files, interval);
    if (!groups) return Fail(groups.error());
    RuleTestReport report;
    const YAML::Node tests = YamlChild(*doc, "tests");
    for (size_t i = 0; tests.IsSequence() && i < tests.size(); ++i) {
      if (auto ok = RunTest(tests[i], YamlReader::Index("tests", i), *groups, interval, report);
          !ok) {
        return Fail(ok.error());
      }
    }
    return report;
  }

 private:
  Result<std::vector<RuleGroup>> LoadGroups(const std::vector<std::string>& files,
                                            Millis interval) {
    (void)interval;
    std::vector<RuleGroup> groups;
    const auto dir = std::filesystem::path(path_).parent_path();
    for (const std::string& f : files) {
      const auto p = std::filesystem::path(f).is_absolute() ? std::filesystem::path(f) : dir / f;
      ParsedRules parsed = LoadRuleFile(p.string());
      if (!parsed.errors.empty()) return Fail(parsed.errors.front());
      for (RuleGroup& g : parsed.groups) groups.push_back(std::move(g));
    }
    return groups;
  }

  Result<void> RunTest(const YAML::Node& t, const std::string& path,
                       const std::vector<RuleGroup>& groups, Millis eval_interval,
                       RuleTestReport& report) {
    r_.Keys(t, path,
            {"name", "interval", "input_series", "alert_rule_test", "promql_expr_test",
             "external_labels", "external_url"});
    std::string name;
    r_.Str(t, path, "name", name);
    Millis step = eval_interval;
    r_.Dur(t, path, "interval", step);
    MemoryRuleStorage storage;
    LoadSeries(t, path, step, storage);
    std::vector<AlertCheck> alerts = AlertChecks(t, path);
    std::vector<ExprCheck> exprs = ExprChecks(t, path);
    if (!r_.ok()) return Fail(r_.errors().front());
    ++report.tests;
    const std::string label = name.empty() ? path : name;
    std::vector<GroupEvaluator> evaluators;
    for (const RuleGroup& g : groups) evaluators.emplace_back(g, eval_interval);
    Millis last{0};
    for (const AlertCheck& a : alerts) last = std::max(last, a.at);
    for (const ExprCheck& e : exprs) last = std::max(last, e.at);
    std::sort(alerts.begin(), alerts.end(),
              [](const AlertCheck& a, const AlertCheck& b) { return a.at < b.at; });
    size_t next = 0;
    for (Millis ts{0}; ts <= last; ts += eval_interval) {
      for (GroupEvaluator& g : evaluators) {
        for (const RuleResult& rr : g.Eval(storage, ts.count()).rules) {
          if (!rr.error.empty()) {
            report.messages.push_back(label + ": rule " + rr.rule + " at " + FormatDuration(ts) +
                                      ": " + rr.error);
          }
        }
      }
      for (; next < alerts.size() && alerts[next].at < ts + eval_interval; ++next) {
        CheckAlerts(alerts[next], evaluators, label, report);
      }
    }
    for (const ExprCheck& e : exprs) CheckExpr(e, storage, label, report);
    return {};
  }

  void LoadSeries(const YAML::Node& t, const std::string& path, Millis step,
                  MemoryRuleStorage& storage) {
    const YAML::Node list = YamlChild(t, "input_series");
    for (size_t i = 0; list.IsSequence() && i < list.size(); ++i) {
      const std::string here = YamlReader::Index(path + ".input_series", i);
      std::string series, values;
      r_.Keys(list[i], here, {"series", "values"});
      r_.Str(list[i], here, "series", series);
      r_.Str(list[i], here, "values", values);
      auto line = promql::ParseSeriesLine(series + " " + values);
      if (!line) {
        r_.Fail(list[i], here, line.error().message());
        continue;
      }
      for (size_t k = 0; k < line->values.size(); ++k) {
        const auto& v = line->values[k];
        const Timestamp at = static_cast<Timestamp>(k) * step.count();
        if (v.kind == promql::SeriesValue::Kind::kFloat) storage.Add(line->labels, {at, v.value});
        if (v.kind == promql::SeriesValue::Kind::kStale) {
          storage.Add(line->labels, {at, metrics::StaleNaN()});
        }
      }
    }
  }

  std::vector<AlertCheck> AlertChecks(const YAML::Node& t, const std::string& path) {
    std::vector<AlertCheck> out;
    const YAML::Node list = YamlChild(t, "alert_rule_test");
    for (size_t i = 0; list.IsSequence() && i < list.size(); ++i) {
      const std::string here = YamlReader::Index(path + ".alert_rule_test", i);
      AlertCheck c;
      r_.Keys(list[i], here, {"eval_time", "alertname", "exp_alerts"});
      EvalTime(list[i], here, c.at);
      r_.Str(list[i], here, "alertname", c.alertname);
      const YAML::Node exp = YamlChild(list[i], "exp_alerts");
      for (size_t k = 0; exp.IsSequence() && k < exp.size(); ++k) {
        const std::string e = YamlReader::Index(here + ".exp_alerts", k);
        std::vector<std::pair<std::string, std::string>> labels, annotations;
        r_.Keys(exp[k], e, {"exp_labels", "exp_annotations"});
        r_.StrMap(exp[k], e, "exp_labels", labels);
        r_.StrMap(exp[k], e, "exp_annotations", annotations);
        labels.push_back({"alertname", c.alertname});
        c.expected.push_back({FromPairs(labels), FromPairs(annotations)});
      }
      out.push_back(std::move(c));
    }
    return out;
  }

  std::vector<ExprCheck> ExprChecks(const YAML::Node& t, const std::string& path) {
    std::vector<ExprCheck> out;
    const YAML::Node list = YamlChild(t, "promql_expr_test");
    for (size_t i = 0; list.IsSequence() && i < list.size(); ++i) {
      const std::string here = YamlReader::Index(path + ".promql_expr_test", i);
      ExprCheck c;
      r_.Keys(list[i], here, {"expr", "eval_time", "exp_samples"});
      r_.Str(list[i], here, "expr", c.expr);
      EvalTime(list[i], here, c.at);
      const YAML::Node exp = YamlChild(list[i], "exp_samples");
      for (size_t k = 0; exp.IsSequence() && k < exp.size(); ++k) {
        const std::string e = YamlReader::Index(here + ".exp_samples", k);
        std::string labels;
        r_.Keys(exp[k], e, {"labels", "value", "histogram"});
        r_.Str(exp[k], e, "labels", labels);
        const YAML::Node value = YamlChild(exp[k], "value");
        double v = 0;
        auto parsed = value.IsScalar() ? promql::ExpandSeriesValues(value.Scalar())
                                       : Result<std::vector<promql::SeriesValue>>{};
        if (!parsed || parsed->size() != 1) {
          r_.Fail(value, e + ".value", "expected a number");
        } else {
          v = (*parsed)[0].value;
        }
        auto sel = promql::ParseSeriesLine(labels.empty() ? "{}" : labels + " 0");
        if (!sel && !labels.empty()) {
          r_.Fail(exp[k], e + ".labels", sel.error().message());
          continue;
        }
        c.expected.push_back({sel ? sel->labels : LabelSet{}, v});
      }
      out.push_back(std::move(c));
    }
    return out;
  }

  void EvalTime(const YAML::Node& n, const std::string& path, Millis& out) {
    const YAML::Node v = YamlChild(n, "eval_time");
    if (!v.IsDefined()) return r_.Fail(n, path + ".eval_time", "required");
    auto d = ParseDuration(v.Scalar());
    if (!d) return r_.Fail(v, path + ".eval_time", d.error().message());
    out = *d;
  }

  void CheckAlerts(const AlertCheck& c, const std::vector<GroupEvaluator>& evaluators,
                   const std::string& label, RuleTestReport& report) {
    ++report.checks;
    std::vector<std::pair<LabelSet, LabelSet>> got;
    for (const GroupEvaluator& g : evaluators) {
      for (size_t i = 0; i < g.group().rules.size(); ++i) {
        if (g.group().rules[i].name != c.alertname) continue;
        for (const Alert& a : g.Alerts(i)) {
          if (a.state == AlertState::kFiring) got.push_back({a.labels, FromPairs(a.annotations)});
        }
      }
    }
    auto want = c.expected;
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    if (got == want) return;
    ++report.failures;
    report.messages.push_back(label + ": alertname: " + c.alertname +
                              ", time: " + FormatDuration(c.at) + "\n    exp: " + Show(want) +
                              "\n    got: " + Show(got));
  }

  void CheckExpr(const ExprCheck& c, const MemoryRuleStorage& storage, const std::string& label,
                 RuleTestReport& report) {
    ++report.checks;
    auto fail = [&](const std::string& why) {
      ++report.failures;
      report.messages.push_back(label + ": expr: " + c.expr + ", time: " + FormatDuration(c.at) +
                                "\n    " + why);
    };
    auto expr = promql::ParseExpr(c.expr);
    if (!expr) return fail(expr.error().message());
    auto r = promql::InstantQuery(storage, **expr, c.at.count());
    if (!r) return fail(r.error().message());
    std::vector<std::pair<LabelSet, double>> got;
    if (r->value.type == promql::ValueType::kScalar) got.push_back({LabelSet{}, r->value.scalar});
    for (const auto& e : r->value.vector) got.push_back({e.labels, e.v});
    auto want = c.expected;
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    bool same = got.size() == want.size();
    for (size_t i = 0; same && i < got.size(); ++i) {
      const double a = got[i].second, b = want[i].second;
      const bool close = a == b || (std::isnan(a) && std::isnan(b)) ||
                         std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
      same = got[i].first == want[i].first && close;
    }
    if (same) return;
    std::string exp, have;
    for (const auto& [l, v] : want) exp += " " + l.ToString() + " " + promql::FormatFloat(v);
    for (const auto& [l, v] : got) have += " " + l.ToString() + " " + promql::FormatFloat(v);
    fail("exp:" + exp + "\n    got:" + have);
  }

  std::string path_;
  YamlReader r_;
};

}  // namespace

Result<RuleTestReport> RunRuleTestFile(const std::string& path) {
  return TestFileRunner(path).Run();
}

}  // namespace fw::alerting
