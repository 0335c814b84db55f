#include "runbook/runbook.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "alerting/matchers.h"
#include "common/yaml_reader.h"
#include "metrics/promql/parser.h"
#include "runbook/quoting.h"

namespace fw::runbook {
namespace {

const char* kPhases[] = {"containment", "resolution", "recovery"};

int PhaseRank(const std::string& p) {
  for (int i = 0; i < 3; ++i) {
    if (p == kPhases[i]) return i;
  }
  return -1;
}

// Parsing state for one file: the reader collecting errors, and the
// variables known so far (declared, context, captured by earlier steps).
struct Loader {
  YamlReader& r;
  Runbook& rb;
  std::set<std::string> captured;
  const std::string& source;  // the file's text, for positions inside values

  bool Known(const std::string& name) const {
    return IsContextVariable(name) || rb.vars.count(name) || captured.count(name);
  }

  std::string KnownList() const {
    std::string s =
        "incident.id, incident.title, incident.severity, incident.service, "
        "hypothesis.category, hypothesis.confidence, suspect.version, "
        "suspect.previous_version, suspect.service, suspect.who, suspect.type, suspect.time, "
        "runbook.name, labels.*";
    for (const auto& [k, v] : rb.vars) s += ", " + k;
    for (const auto& k : captured) s += ", " + k;
    return s;
  }

  // A templated string field: syntax and variable names checked now.
  void Tmpl(const YAML::Node& n, const std::string& path, Template& out) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsScalar()) return r.Fail(n, path, "expected a string");
    auto t = Template::Parse(n.Scalar());
    if (!t) {
      return r.Fail(n, path,
                    t.error().message() + " (at column " +
                        std::to_string(t.error().where().column) + " of the value)");
    }
    for (const Template::Ref& ref : t->refs()) {
      if (!Known(ref.name)) {
        r.Fail(n, path,
               "unknown variable ." + ref.name + " (known: " + KnownList() +
                   "; declare your own under vars:)");
      }
    }
    out = std::move(*t);
  }

  // Where the `k`th "{{" of the scalar `n` stands in the file: every "{{"
  // in a template's text opens a reference, and YAML escapes never make one.
  SourceLocation RefLocation(const YAML::Node& n, size_t k) const {
    SourceLocation loc{r.source(), n.Mark().line + 1, n.Mark().column + 1};
    size_t pos = n.Mark().pos >= 0 ? static_cast<size_t>(n.Mark().pos) : source.size();
    for (size_t found = 0; (pos = source.find("{{", pos)) != std::string::npos; pos += 2) {
      if (found++ == k) break;
    }
    if (pos == std::string::npos) return loc;
    loc.line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < pos; ++i) {
      if (source[i] == '\n') {
        ++loc.line;
        line_start = i + 1;
      }
    }
    loc.column = static_cast<int>(pos - line_start) + 1;
    return loc;
  }

  void VarName(const YAML::Node& n, const std::string& path, const std::string& name) {
    if (!Known(name)) r.Fail(n, path, "unknown variable " + name + " (known: " + KnownList() + ")");
  }

  void ParseWhen(const YAML::Node& n, const std::string& path, Condition& c);
  void ParseAction(const YAML::Node& step, const std::string& path, ActionTemplate& a);
  void ParsePromql(const YAML::Node& n, const std::string& path, Template& out);
  void ParseStep(const YAML::Node& n, const std::string& path, Step& s);
  void ParseKindFields(const YAML::Node& n, const std::string& path, Step& s);
};

// A string or a list of strings.
std::vector<std::string> OneOrMany(YamlReader& r, const YAML::Node& map, const std::string& path,
                                   const char* key) {
  std::vector<std::string> out;
  const YAML::Node n = YamlChild(map, key);
  if (n.IsDefined() && n.IsScalar()) {
    out.push_back(n.Scalar());
  } else {
    r.StrList(map, path, key, out);
  }
  return out;
}

void Loader::ParseWhen(const YAML::Node& n, const std::string& path, Condition& c) {
  if (!n.IsDefined() || n.IsNull()) return;
  if (!r.Keys(n, path, {"set", "unset", "promql"})) return;
  c.set = OneOrMany(r, n, path, "set");
  c.unset = OneOrMany(r, n, path, "unset");
  for (const auto& v : c.set) VarName(YamlChild(n, "set"), YamlReader::Join(path, "set"), v);
  for (const auto& v : c.unset) VarName(YamlChild(n, "unset"), YamlReader::Join(path, "unset"), v);
  Template t;
  ParsePromql(YamlChild(n, "promql"), YamlReader::Join(path, "promql"), t);
  c.promql = t.text();
  if (c.empty()) r.Fail(n, path, "give at least one of set, unset, promql");
}

void Loader::ParsePromql(const YAML::Node& n, const std::string& path, Template& out) {
  Tmpl(n, path, out);
  if (!out.literal()) {
    // Values are quoted for where they stand; the query is parsed when rendered.
    for (const SpliceProblem& p : CheckPromqlSplices(out)) {
      const SourceLocation at = RefLocation(n, p.ref);
      r.FailAt(at.line, at.column, path, p.why);
    }
    return;
  }
  if (out.text().empty()) return;
  auto e = metrics::promql::ParseExpr(out.text());
  if (!e) r.Fail(n, path, "invalid PromQL: " + e.error().ToString());
}

void Loader::ParseAction(const YAML::Node& step, const std::string& path, ActionTemplate& a) {
  r.Str(step, path, "action", a.action);
  const std::string apath = YamlReader::Join(path, "action");
  const ActionInfo* info = FindAction(a.action);
  if (!info) {
    std::string names;
    for (const ActionInfo& x : ActionCatalog())
      names += (names.empty() ? "" : ", ") + std::string(x.name);
    r.Fail(YamlChild(step, "action"), apath,
           "unknown action \"" + a.action + "\" (known: " + names + ")");
  }
  const YAML::Node args = YamlChild(step, "args");
  const std::string argpath = YamlReader::Join(path, "args");
  if (args.IsDefined() && !args.IsNull()) {
    if (!args.IsMap()) {
      r.Fail(args, argpath, "expected a mapping of argument names to values");
    } else {
      for (const auto& kv : args) {
        const std::string key = kv.first.Scalar();
        Tmpl(kv.second, YamlReader::Join(argpath, key), a.args[key]);
      }
    }
  }
  if (!info) return;
  for (const auto& group : info->one_of) {
    int given = 0;
    std::string names;
    for (const char* g : group) {
      given += a.args.count(g) > 0;
      names += (names.empty() ? "" : " or ") + std::string(g);
    }
    if (given == 0) r.Fail(step, argpath, a.action + " needs " + names);
    if (given > 1) r.Fail(args, argpath, a.action + " takes only one of " + names);
  }
}

void Loader::ParseKindFields(const YAML::Node& n, const std::string& path, Step& s) {
  switch (s.kind) {
    case StepKind::kAction: {
      ParseAction(n, path, s.action);
      const YAML::Node rev = YamlChild(n, "revert");
      if (rev.IsDefined() && !rev.IsNull()) {
        const std::string rpath = YamlReader::Join(path, "revert");
        if (r.Keys(rev, rpath, {"action", "args"})) {
          s.revert.emplace();
          ParseAction(rev, rpath, *s.revert);
        }
      }
      break;
    }
    case StepKind::kWait:
      r.Dur(n, path, "wait", s.wait);
      break;
    case StepKind::kVerify:
      ParsePromql(YamlChild(n, "verify"), YamlReader::Join(path, "verify"), s.expr);
      s.hold_for = Millis(0);
      if (YamlChild(n, "for").IsDefined()) r.Dur(n, path, "for", s.hold_for);
      s.timeout = Millis(10 * 60'000);
      r.Dur(n, path, "timeout", s.timeout);
      r.Dur(n, path, "interval", s.interval);
      if (s.timeout < s.hold_for) {
        r.Fail(YamlChild(n, "timeout"), YamlReader::Join(path, "timeout"),
               "must be at least `for` (" + FormatDuration(s.hold_for) + ")");
      }
      break;
    case StepKind::kApprove:
      Tmpl(YamlChild(n, "approve"), YamlReader::Join(path, "approve"), s.message);
      s.timeout = rb.approval_timeout;
      r.Dur(n, path, "timeout", s.timeout);
      break;
    case StepKind::kNotify:
      Tmpl(YamlChild(n, "notify"), YamlReader::Join(path, "notify"), s.message);
      r.Str(n, path, "channel", s.channel);
      break;
    case StepKind::kQuery: {
      ParsePromql(YamlChild(n, "query"), YamlReader::Join(path, "query"), s.expr);
      std::vector<std::pair<std::string, std::string>> cap;
      r.StrMap(n, path, "capture", cap);
      if (cap.empty()) r.Fail(n, path, "a query step needs capture: {variable: label or $value}");
      for (auto& [var, label] : cap) {
        if (IsContextVariable(var) || rb.vars.count(var)) {
          r.Fail(YamlChild(n, "capture"), YamlReader::Join(path, "capture." + var),
                 "already a variable; capture into a new name");
        }
        captured.insert(var);
        s.capture[var] = label;
      }
      break;
    }
  }
}

void Loader::ParseStep(const YAML::Node& n, const std::string& path, Step& s) {
  s.line = n.Mark().line + 1;
  static const std::pair<const char*, StepKind> kKinds[] = {
      {"action", StepKind::kAction},   {"wait", StepKind::kWait},     {"verify", StepKind::kVerify},
      {"approve", StepKind::kApprove}, {"notify", StepKind::kNotify}, {"query", StepKind::kQuery}};
  int kinds = 0;
  for (const auto& [key, kind] : kKinds) {
    if (YamlChild(n, key).IsDefined()) {
      s.kind = kind;
      ++kinds;
    }
  }
  if (kinds != 1) {
    r.Fail(n, path,
           kinds == 0 ? "a step needs one of action, wait, verify, approve, notify, query"
                      : "a step takes only one of action, wait, verify, approve, notify, query");
    return;
  }
  static const std::map<StepKind, std::set<std::string>> kFields = {
      {StepKind::kAction, {"action", "args", "revert"}},
      {StepKind::kWait, {"wait"}},
      {StepKind::kVerify, {"verify", "for", "timeout", "interval"}},
      {StepKind::kApprove, {"approve", "timeout"}},
      {StepKind::kNotify, {"notify", "channel"}},
      {StepKind::kQuery, {"query", "capture"}},
  };
  std::set<std::string> allowed = kFields.at(s.kind);
  allowed.insert({"name", "phase", "when", "on_failure"});
  r.Keys(n, path, allowed);
  r.Str(n, path, "name", s.name);
  r.Str(n, path, "phase", s.phase);
  ParseWhen(YamlChild(n, "when"), YamlReader::Join(path, "when"), s.when);
  std::string on_failure = "stop";
  r.Str(n, path, "on_failure", on_failure);
  static const std::map<std::string, OnFailure> kPolicies = {{"stop", OnFailure::kStop},
                                                             {"revert", OnFailure::kRevert},
                                                             {"escalate", OnFailure::kEscalate},
                                                             {"continue", OnFailure::kContinue}};
  if (auto it = kPolicies.find(on_failure); it != kPolicies.end()) {
    s.on_failure = it->second;
  } else {
    r.Fail(YamlChild(n, "on_failure"), YamlReader::Join(path, "on_failure"),
           "expected stop, revert, escalate or continue");
  }
  ParseKindFields(n, path, s);
  if (s.name.empty()) {
    s.name = std::string(StepKindName(s.kind)) +
             (s.kind == StepKind::kAction ? " " + s.action.action : "");
  }
}

void ParseHeader(YamlReader& r, const YAML::Node& doc, Runbook& rb) {
  r.Str(doc, "", "name", rb.name);
  r.Str(doc, "", "description", rb.description);
  if (rb.name.empty()) r.Fail(doc, "name", "required: the runbook's name");
  const YAML::Node applies = YamlChild(doc, "applies_to");
  if (r.Keys(applies, "applies_to", {"categories", "labels"})) {
    rb.categories = OneOrMany(r, applies, "applies_to", "categories");
    rb.matchers = OneOrMany(r, applies, "applies_to", "labels");
    for (const std::string& m : rb.matchers) {
      auto parsed = alerting::Matcher::Parse(m);
      if (!parsed) {
        r.Fail(YamlChild(applies, "labels"), "applies_to.labels", parsed.error().message());
      }
    }
  }
  const YAML::Node approval = YamlChild(doc, "approval");
  if (r.Keys(approval, "approval", {"required", "timeout"})) {
    r.Bool(approval, "approval", "required", rb.requires_approval);
    r.Dur(approval, "approval", "timeout", rb.approval_timeout);
  }
  std::vector<std::pair<std::string, std::string>> vars;
  r.StrMap(doc, "", "vars", vars, [](const std::string& k) -> std::string {
    if (k.empty() ||
        k.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
      return "variable names are lower_case letters, digits and _";
    }
    return IsContextVariable(k) ? "this name is set by the incident; pick another" : "";
  });
  for (auto& [k, v] : vars) rb.vars[k] = v;
}

}  // namespace

Result<Runbook> ParseRunbook(const std::string& yaml_text, const std::string& source_name,
                             std::vector<Error>* all_errors) {
  auto doc = LoadYaml(yaml_text, source_name);
  if (!doc) {
    if (all_errors) all_errors->push_back(doc.error());
    return Fail(doc.error());
  }
  YamlReader r(source_name);
  Runbook rb;
  rb.file = source_name;
  if (r.Keys(*doc, "", {"name", "description", "applies_to", "approval", "vars", "steps"})) {
    ParseHeader(r, *doc, rb);
    Loader loader{r, rb, {}, yaml_text};
    const YAML::Node steps = YamlChild(*doc, "steps");
    if (!steps.IsDefined() || !steps.IsSequence() || steps.size() == 0) {
      r.Fail(steps.IsDefined() ? steps : *doc, "steps", "required: a list of at least one step");
    } else {
      std::string phase = "containment";
      for (size_t i = 0; i < steps.size(); ++i) {
        const std::string path = YamlReader::Index("steps", i);
        Step s;
        s.phase = phase;
        loader.ParseStep(steps[i], path, s);
        if (PhaseRank(s.phase) < 0) {
          r.Fail(YamlChild(steps[i], "phase"), path + ".phase",
                 "expected containment, resolution or recovery");
        } else if (PhaseRank(s.phase) < PhaseRank(phase)) {
          r.Fail(YamlChild(steps[i], "phase"), path + ".phase",
                 "phases run in order (containment, resolution, recovery); this step comes "
                 "after a " +
                     phase + " step");
        } else {
          phase = s.phase;
        }
        rb.steps.push_back(std::move(s));
      }
    }
  }
  if (!r.ok()) {
    if (all_errors) all_errors->insert(all_errors->end(), r.errors().begin(), r.errors().end());
    return Fail(r.errors().front());
  }
  return rb;
}

Result<Runbook> LoadRunbookFile(const std::string& path, std::vector<Error>* all_errors) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Error e(ErrorCode::kNotFound, "cannot read runbook file " + path + ": check the path");
    if (all_errors) all_errors->push_back(e);
    return Fail(e);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseRunbook(text.str(), path, all_errors);
}

const Runbook* RunbookSet::Find(const std::string& name) const {
  for (const Runbook& rb : runbooks) {
    if (rb.name == name) return &rb;
  }
  return nullptr;
}

RunbookSet LoadRunbookDir(const std::string& dir) {
  RunbookSet set;
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yml" || ext == ".yaml"))
      files.push_back(e.path().string());
  }
  if (ec) {
    set.errors.emplace_back(ErrorCode::kNotFound,
                            "cannot list runbook directory " + dir + ": " + ec.message());
    return set;
  }
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    auto rb = LoadRunbookFile(f, &set.errors);
    if (!rb) continue;
    if (const Runbook* dup = set.Find(rb->name)) {
      set.errors.emplace_back(ErrorCode::kInvalidArgument,
                              "runbook name \"" + rb->name + "\" is also used by " + dup->file +
                                  "; names must be unique",
                              SourceLocation{f, 1, 1});
      continue;
    }
    set.runbooks.push_back(std::move(*rb));
  }
  return set;
}

bool Applies(const Runbook& rb, const std::string& category, const LabelSet& labels) {
  if (!rb.categories.empty() &&
      std::find(rb.categories.begin(), rb.categories.end(), category) == rb.categories.end()) {
    return false;
  }
  for (const std::string& m : rb.matchers) {
    auto parsed = alerting::Matcher::Parse(m);
    if (!parsed || !parsed->Matches(labels)) return false;
  }
  return true;
}

}  // namespace fw::runbook
