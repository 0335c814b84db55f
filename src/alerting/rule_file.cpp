#include "alerting/rule_file.h"

#include <fstream>
#include <set>
#include <sstream>

#include "common/yaml_reader.h"
#include "metrics/promql/parser.h"

namespace fw::alerting {
namespace {

bool ValidName(const std::string& n, bool colons) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (i > 0 && c >= '0' && c <= '9') || (colons && c == ':');
    if (!ok) return false;
  }
  return true;
}

std::string LabelNameProblem(const std::string& n) {
  if (!ValidName(n, false)) return "invalid label name \"" + n + "\"";
  if (n.starts_with("__")) return "label name \"" + n + "\" is reserved";
  return "";
}

// A duration that may be 0 (`for: 0s`), unlike YamlReader::Dur.
void ZeroOkDuration(YamlReader& r, const YAML::Node& map, const std::string& path, const char* key,
                    Millis& out) {
  const YAML::Node n = YamlChild(map, key);
  if (!n.IsDefined() || n.IsNull()) return;
  auto d = n.IsScalar()
               ? ParseDuration(n.Scalar())
               : Result<Millis>(Fail(ErrorCode::kInvalidArgument, "expected a duration like 5m"));
  if (!d) return r.Fail(n, YamlReader::Join(path, key), d.error().message());
  out = *d;
}

class RuleParser {
 public:
  explicit RuleParser(std::string source) : r_(source), source_(std::move(source)) {}

  ParsedRules Run(const std::string& text) {
    ParsedRules out;
    auto doc = LoadYaml(text, source_);
    if (!doc) {
      out.errors.push_back(doc.error());
      return out;
    }
    if (doc->IsNull()) {  // an empty file is valid and holds nothing
      return out;
    }
    if (r_.Keys(*doc, "", {"groups"})) {
      const YAML::Node groups = YamlChild(*doc, "groups");
      if (groups.IsDefined() && !groups.IsNull() && !groups.IsSequence()) {
        r_.Fail(groups, "groups", "expected a list of rule groups");
      } else if (groups.IsDefined()) {
        std::set<std::string> names;
        for (size_t i = 0; i < groups.size(); ++i) {
          RuleGroup g = Group(groups[i], YamlReader::Index("groups", i));
          if (!g.name.empty() && !names.insert(g.name).second) {
            r_.Fail(groups[i], YamlReader::Index("groups", i) + ".name",
                    "group name \"" + g.name + "\" is repeated in the same file");
          }
          out.groups.push_back(std::move(g));
        }
      }
    }
    out.errors = r_.errors();
    return out;
  }

 private:
  RuleGroup Group(const YAML::Node& n, const std::string& path) {
    RuleGroup g;
    g.file = source_;
    if (!r_.Keys(n, path, {"name", "interval", "query_offset", "limit", "labels", "rules"})) {
      return g;
    }
    r_.Str(n, path, "name", g.name);
    if (g.name.empty()) r_.Fail(n, path + ".name", "required");
    r_.Dur(n, path, "interval", g.interval);
    ZeroOkDuration(r_, n, path, "query_offset", g.query_offset);
    r_.Uint(n, path, "limit", g.limit);
    r_.StrMap(n, path, "labels", g.labels, LabelNameProblem);
    const YAML::Node rules = YamlChild(n, "rules");
    if (!rules.IsDefined() || rules.IsNull()) return g;
    if (!rules.IsSequence()) {
      r_.Fail(rules, path + ".rules", "expected a list of rules");
      return g;
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      if (auto rule = ParseRule(rules[i], YamlReader::Index(path + ".rules", i))) {
        g.rules.push_back(std::move(*rule));
      }
    }
    return g;
  }

  std::optional<Rule> ParseRule(const YAML::Node& n, const std::string& path) {
    if (!r_.Keys(n, path,
                 {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"})) {
      return std::nullopt;
    }
    Rule rule;
    rule.where = {source_, n.Mark().line + 1, n.Mark().column + 1};
    std::string alert, record;
    r_.Str(n, path, "alert", alert);
    r_.Str(n, path, "record", record);
    if (alert.empty() == record.empty()) {
      r_.Fail(n, path, "a rule needs exactly one of \"alert\" and \"record\"");
      return std::nullopt;
    }
    rule.kind = alert.empty() ? Rule::kRecord : Rule::kAlert;
    rule.name = alert.empty() ? record : alert;
    if (rule.kind == Rule::kRecord && !ValidName(rule.name, true)) {
      r_.Fail(YamlChild(n, "record"), path + ".record",
              "invalid recording rule name \"" + rule.name + "\"");
    }
    if (rule.kind == Rule::kRecord) {
      for (const char* k : {"for", "keep_firing_for", "annotations"}) {
        if (YamlChild(n, k).IsDefined()) {
          r_.Fail(YamlChild(n, k), path + "." + k, "not allowed in a recording rule");
        }
      }
    }
    ZeroOkDuration(r_, n, path, "for", rule.for_duration);
    ZeroOkDuration(r_, n, path, "keep_firing_for", rule.keep_firing_for);
    Expression(n, path, rule);
    rule.labels = Templates(n, path, "labels", true);
    rule.annotations = Templates(n, path, "annotations", false);
    return rule;
  }

  void Expression(const YAML::Node& n, const std::string& path, Rule& rule) {
    const YAML::Node e = YamlChild(n, "expr");
    if (!e.IsDefined() || e.IsNull()) return r_.Fail(n, path + ".expr", "required");
    if (!e.IsScalar()) return r_.Fail(e, path + ".expr", "expected a PromQL expression");
    rule.expr_text = e.Scalar();
    auto parsed = metrics::promql::ParseExpr(rule.expr_text);
    if (!parsed) {
      // The node's position is where the expression starts; the parser's
      // position is within the expression.
      const auto& w = parsed.error().where();
      std::string why = parsed.error().message();
      if (w.column > 0) {
        why = (rule.expr_text.find('\n') == std::string::npos
                   ? "column " + std::to_string(w.column)
                   : "line " + std::to_string(w.line) + ", column " + std::to_string(w.column)) +
              " of the expression: " + why;
      }
      r_.Fail(e, path + ".expr", why);
      return;
    }
    if ((*parsed)->type() != metrics::promql::ValueType::kVector &&
        (*parsed)->type() != metrics::promql::ValueType::kScalar) {
      r_.Fail(e, path + ".expr", "the expression must give an instant vector or a scalar");
      return;
    }
    rule.expr = std::shared_ptr<metrics::promql::Expr>(std::move(*parsed));
  }

  std::vector<TemplatedLabel> Templates(const YAML::Node& n, const std::string& path,
                                        const char* key, bool labels) {
    std::vector<std::pair<std::string, std::string>> raw;
    r_.StrMap(n, path, key, raw, labels ? LabelNameProblem : nullptr);
    std::vector<TemplatedLabel> out;
    for (auto& [name, text] : raw) {
      auto t = AlertTemplate::Parse(text);
      if (!t) {
        r_.Fail(YamlChild(YamlChild(n, key), name), path + "." + key + "." + name,
                t.error().message() + " (at character " + std::to_string(t.error().where().column) +
                    ")");
        continue;
      }
      out.push_back({name, text, std::make_shared<const AlertTemplate>(std::move(*t))});
    }
    return out;
  }

  YamlReader r_;
  std::string source_;
};

}  // namespace

size_t ParsedRules::rule_count() const {
  size_t n = 0;
  for (const RuleGroup& g : groups) n += g.rules.size();
  return n;
}

ParsedRules ParseRules(const std::string& text, const std::string& source) {
  return RuleParser(source).Run(text);
}

ParsedRules LoadRuleFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ParsedRules out;
    out.errors.push_back(Error(ErrorCode::kNotFound, "cannot open rule file", {path, 0, 0}));
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseRules(text.str(), path);
}

}  // namespace fw::alerting
