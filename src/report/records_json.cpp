// Serialization of the analysis and runbook records carried by timeline
// entries, and the rebuilding of a report's input from a timeline. The key
// names are listed in records_json.h; change both together.

#include "report/records_json.h"

#include <algorithm>
#include <array>
#include <map>
#include <utility>

namespace fw::report {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 6> kStepStatus = {"pending", "running", "succeeded",
                                                         "failed",  "skipped", "reverted"};
constexpr std::array<std::string_view, 5> kRunStatus = {"running", "waiting_approval", "succeeded",
                                                        "failed", "escalated"};
constexpr std::array<std::string_view, 5> kEvidenceKind = {"metric_anomaly", "log_pattern",
                                                           "change", "database", "host"};

template <typename Enum, size_t N>
Result<Enum> ParseName(const std::array<std::string_view, N>& names, std::string_view text,
                       std::string_view what) {
  std::string accepted;
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
    accepted += (i ? ", " : "") + std::string(names[i]);
  }
  return Fail(ErrorCode::kInvalidArgument, "unknown " + std::string(what) + " \"" +
                                               std::string(text) + "\" (accepted: " + accepted +
                                               ")");
}

template <typename Enum, size_t N>
std::string_view NameOf(const std::array<std::string_view, N>& names, Enum e) {
  const auto i = static_cast<size_t>(e);
  return i < N ? names[i] : std::string_view("unknown");
}

// Typed reads that tolerate absent keys (older writers) but not wrong types
// (a corrupted record should be reported, not half-read).
class Reader {
 public:
  Reader(const json& j, std::string what) : j_(j), what_(std::move(what)) {}

  template <typename T>
  void Get(const char* key, T& out) {
    if (!ok() || !j_.contains(key) || j_[key].is_null()) return;
    const json& v = j_[key];
    bool right = false;
    if constexpr (std::is_same_v<T, std::string>) {
      right = v.is_string();
    } else if constexpr (std::is_same_v<T, bool>) {
      right = v.is_boolean();
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      right = v.is_array() && std::ranges::all_of(v, [](const json& e) { return e.is_string(); });
    } else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>) {
      right = v.is_object() && std::ranges::all_of(v, [](const json& e) { return e.is_string(); });
    } else {
      right = v.is_number();
    }
    if (!right) {
      error_ = what_ + ": \"" + key + "\" has the wrong type";
      return;
    }
    out = v.get<T>();
  }
  template <typename Enum, size_t N>
  void GetEnum(const char* key, const std::array<std::string_view, N>& names, Enum& out) {
    std::string text;
    Get(key, text);
    if (!ok() || text.empty()) return;
    auto parsed = ParseName<Enum>(names, text, key);
    if (!parsed) {
      error_ = what_ + ": " + parsed.error().message();
      return;
    }
    out = *parsed;
  }
  const json* Array(const char* key) {
    if (!ok() || !j_.contains(key) || j_[key].is_null()) return nullptr;
    if (!j_[key].is_array()) {
      error_ = what_ + ": \"" + key + "\" must be an array";
      return nullptr;
    }
    return &j_[key];
  }
  bool ok() const { return error_.empty(); }
  Result<void> Done() const {
    if (ok()) return {};
    return Fail(ErrorCode::kInvalidArgument, error_);
  }

 private:
  const json& j_;
  std::string what_;
  std::string error_;
};

Result<void> RequireObject(const json& j, std::string_view what) {
  if (j.is_object()) return {};
  return Fail(ErrorCode::kInvalidArgument, std::string(what) + " must be a JSON object");
}

json SuspectToJson(const rca::SuspectChange& c) {
  return {{"service", c.service}, {"version", c.version}, {"previous_version", c.previous_version},
          {"who", c.who},         {"type", c.type},       {"time", c.time},
          {"score", c.score},     {"reason", c.reason}};
}

Result<rca::SuspectChange> SuspectFromJson(const json& j) {
  if (auto r = RequireObject(j, "suspect_change"); !r) return Fail(r.error());
  rca::SuspectChange c;
  Reader r(j, "suspect_change");
  r.Get("service", c.service);
  r.Get("version", c.version);
  r.Get("previous_version", c.previous_version);
  r.Get("who", c.who);
  r.Get("type", c.type);
  r.Get("time", c.time);
  r.Get("score", c.score);
  r.Get("reason", c.reason);
  if (auto d = r.Done(); !d) return Fail(d.error());
  return c;
}

json EvidenceToJson(const rca::Evidence& e) {
  return {{"kind", EvidenceKindText(e.kind)},
          {"id", e.id},
          {"title", e.title},
          {"detail", e.detail},
          {"query", e.query},
          {"language", e.language},
          {"first_moved", e.first_moved},
          {"score", e.score}};
}

Result<rca::Evidence> EvidenceFromJson(const json& j) {
  if (auto r = RequireObject(j, "evidence"); !r) return Fail(r.error());
  rca::Evidence e;
  Reader r(j, "evidence");
  r.GetEnum("kind", kEvidenceKind, e.kind);
  r.Get("id", e.id);
  r.Get("title", e.title);
  r.Get("detail", e.detail);
  r.Get("query", e.query);
  r.Get("language", e.language);
  r.Get("first_moved", e.first_moved);
  r.Get("score", e.score);
  if (auto d = r.Done(); !d) return Fail(d.error());
  return e;
}

json HypothesisToJson(const rca::Hypothesis& h) {
  json j = {{"category", h.category},         {"confidence", h.confidence},
            {"explanation", h.explanation},   {"evidence", h.evidence},
            {"ruled_out_by", h.ruled_out_by}, {"runbook", h.runbook}};
  if (!h.checks.empty()) j["checks"] = h.checks;
  if (!h.facts.empty()) j["facts"] = h.facts;
  if (h.suspect_change) j["suspect_change"] = SuspectToJson(*h.suspect_change);
  return j;
}

Result<rca::Hypothesis> HypothesisFromJson(const json& j) {
  if (auto r = RequireObject(j, "hypothesis"); !r) return Fail(r.error());
  rca::Hypothesis h;
  Reader r(j, "hypothesis");
  r.Get("category", h.category);
  r.Get("confidence", h.confidence);
  r.Get("explanation", h.explanation);
  r.Get("evidence", h.evidence);
  r.Get("ruled_out_by", h.ruled_out_by);
  r.Get("runbook", h.runbook);
  r.Get("checks", h.checks);
  r.Get("facts", h.facts);
  if (auto d = r.Done(); !d) return Fail(d.error());
  if (j.contains("suspect_change") && !j["suspect_change"].is_null()) {
    auto c = SuspectFromJson(j["suspect_change"]);
    if (!c) return Fail(c.error().WithContext("hypothesis " + h.category));
    h.suspect_change = std::move(*c);
  }
  return h;
}

// Reads each element of an array with `one`, failing on the first bad one.
template <typename T, typename Fn>
Result<void> ReadAll(const json* array, std::vector<T>& out, Fn one) {
  if (array == nullptr) return {};
  for (const json& e : *array) {
    auto v = one(e);
    if (!v) return Fail(v.error());
    out.push_back(std::move(*v));
  }
  return {};
}

}  // namespace

std::string_view StepStatusText(runbook::StepStatus s) { return NameOf(kStepStatus, s); }
std::string_view RunStatusText(runbook::RunStatus s) { return NameOf(kRunStatus, s); }
std::string_view EvidenceKindText(rca::EvidenceKind k) { return NameOf(kEvidenceKind, k); }
Result<runbook::StepStatus> ParseStepStatus(std::string_view text) {
  return ParseName<runbook::StepStatus>(kStepStatus, text, "step status");
}
Result<runbook::RunStatus> ParseRunStatus(std::string_view text) {
  return ParseName<runbook::RunStatus>(kRunStatus, text, "run status");
}
Result<rca::EvidenceKind> ParseEvidenceKind(std::string_view text) {
  return ParseName<rca::EvidenceKind>(kEvidenceKind, text, "evidence kind");
}

json AnalysisToJson(const rca::Analysis& a) {
  json evidence = json::array(), hypotheses = json::array();
  for (const rca::Evidence& e : a.evidence) evidence.push_back(EvidenceToJson(e));
  for (const rca::Hypothesis& h : a.hypotheses) hypotheses.push_back(HypothesisToJson(h));
  json j = {{"window",
             {{"onset", a.window.onset},
              {"now", a.window.now},
              {"lookback_ms", a.window.lookback_ms},
              {"services", a.window.services}}},
            {"evidence", evidence},
            {"hypotheses", hypotheses},
            {"gaps", a.gaps},
            {"timeline", a.timeline},
            {"decisive", a.decisive}};
  if (!a.undecided.empty()) j["undecided"] = a.undecided;
  return j;
}

Result<rca::Analysis> AnalysisFromJson(const json& j) {
  if (auto r = RequireObject(j, "analysis"); !r) return Fail(r.error());
  rca::Analysis a;
  Reader r(j, "analysis");
  r.Get("gaps", a.gaps);
  r.Get("timeline", a.timeline);
  r.Get("decisive", a.decisive);
  r.Get("undecided", a.undecided);
  const json* evidence = r.Array("evidence");
  const json* hypotheses = r.Array("hypotheses");
  if (auto d = r.Done(); !d) return Fail(d.error());
  if (j.contains("window")) {
    if (auto o = RequireObject(j["window"], "analysis window"); !o) return Fail(o.error());
    Reader w(j["window"], "analysis window");
    w.Get("onset", a.window.onset);
    w.Get("now", a.window.now);
    w.Get("lookback_ms", a.window.lookback_ms);
    w.Get("services", a.window.services);
    if (auto d = w.Done(); !d) return Fail(d.error());
  }
  if (auto d = ReadAll(evidence, a.evidence, EvidenceFromJson); !d) return Fail(d.error());
  if (auto d = ReadAll(hypotheses, a.hypotheses, HypothesisFromJson); !d) return Fail(d.error());
  return a;
}

json StepRecordToJson(const runbook::StepRecord& s) {
  return {{"name", s.name},       {"kind", s.kind},
          {"phase", s.phase},     {"status", StepStatusText(s.status)},
          {"started", s.started}, {"finished", s.finished},
          {"action", s.action},   {"command", s.command},
          {"output", s.output},   {"verification", s.verification},
          {"message", s.message}};
}

Result<runbook::StepRecord> StepRecordFromJson(const json& j) {
  if (auto r = RequireObject(j, "step"); !r) return Fail(r.error());
  runbook::StepRecord s;
  Reader r(j, "step");
  r.Get("name", s.name);
  r.Get("kind", s.kind);
  r.Get("phase", s.phase);
  r.GetEnum("status", kStepStatus, s.status);
  r.Get("started", s.started);
  r.Get("finished", s.finished);
  r.Get("action", s.action);
  r.Get("command", s.command);
  r.Get("output", s.output);
  r.Get("verification", s.verification);
  r.Get("message", s.message);
  if (auto d = r.Done(); !d) return Fail(d.error());
  return s;
}

json RunRecordToJson(const runbook::RunRecord& run, bool with_steps) {
  json j = {{"runbook", run.runbook},
            {"incident_id", run.incident_id},
            {"adapter", run.adapter},
            {"dry_run", run.dry_run},
            {"auto_approved", run.auto_approved},
            {"status", RunStatusText(run.status)},
            {"started", run.started},
            {"finished", run.finished},
            {"message", run.message}};
  if (with_steps) {
    j["steps"] = json::array();
    for (const runbook::StepRecord& s : run.steps) j["steps"].push_back(StepRecordToJson(s));
  }
  return j;
}

Result<runbook::RunRecord> RunRecordFromJson(const json& j) {
  if (auto r = RequireObject(j, "run"); !r) return Fail(r.error());
  runbook::RunRecord run;
  Reader r(j, "run");
  r.Get("runbook", run.runbook);
  r.Get("incident_id", run.incident_id);
  r.Get("adapter", run.adapter);
  r.Get("dry_run", run.dry_run);
  r.Get("auto_approved", run.auto_approved);
  r.GetEnum("status", kRunStatus, run.status);
  r.Get("started", run.started);
  r.Get("finished", run.finished);
  r.Get("message", run.message);
  const json* steps = r.Array("steps");
  if (auto d = r.Done(); !d) return Fail(d.error());
  if (auto d = ReadAll(steps, run.steps, StepRecordFromJson); !d) {
    return Fail(d.error().WithContext("runbook " + run.runbook));
  }
  return run;
}

std::string AnalysisDetails(const rca::Analysis& analysis) {
  return AnalysisToJson(analysis).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string RunbookStepDetails(const runbook::RunRecord& run, const runbook::StepRecord& step,
                               int step_index) {
  if (step_index < 0) {
    for (size_t i = 0; i < run.steps.size(); ++i) {
      if (&run.steps[i] == &step || run.steps[i].name == step.name) {
        step_index = static_cast<int>(i);
        break;
      }
    }
  }
  json j = {{"run", RunRecordToJson(run, /*with_steps=*/false)},
            {"step", StepRecordToJson(step)},
            {"step_index", step_index}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// A run being rebuilt: its latest header and the latest state of each step.
struct RunBuild {
  runbook::RunRecord header;
  std::map<std::pair<int, std::string>, runbook::StepRecord> steps;  // (index, name) -> step
  size_t first_seen = 0;
};

Result<void> AddStepEntry(const json& d,
                          std::map<std::pair<std::string, Timestamp>, RunBuild>& runs,
                          size_t order) {
  if (!d.is_object() || !d.contains("run") || !d.contains("step")) {
    return Fail(ErrorCode::kInvalidArgument, "details lack \"run\" and \"step\"");
  }
  auto run = RunRecordFromJson(d["run"]);
  if (!run) return Fail(run.error());
  auto step = StepRecordFromJson(d["step"]);
  if (!step) return Fail(step.error());
  int index = -1;
  if (d.contains("step_index") && d["step_index"].is_number_integer()) {
    index = d["step_index"].get<int>();
  }
  auto key = std::make_pair(run->runbook, run->started);
  auto [it, fresh] = runs.try_emplace(key);
  if (fresh) it->second.first_seen = order;
  it->second.header = std::move(*run);
  // Without an index, steps keep the order they first appeared in.
  const int slot = index >= 0 ? index : 1'000'000 + static_cast<int>(order);
  auto& steps = it->second.steps;
  auto same =
      std::ranges::find_if(steps, [&](const auto& kv) { return kv.first.second == step->name; });
  if (same != steps.end()) {
    same->second = std::move(*step);
  } else {
    steps.emplace(std::make_pair(slot, step->name), std::move(*step));
  }
  return {};
}

// The notes IncidentService writes for action items carry the item's
// latest state: {"action_item": {"id", "text", "owner", "done"}}.
void AddActionItemEntry(const json& d, std::vector<ActionItem>& items) {
  if (!d.is_object() || !d.contains("action_item") || !d["action_item"].is_object()) return;
  const json& j = d["action_item"];
  ActionItem a;
  Reader r(j, "action item");
  r.Get("id", a.id);
  r.Get("text", a.text);
  r.Get("owner", a.owner);
  r.Get("done", a.done);
  if (!r.ok() || a.id.empty()) return;
  auto same = std::ranges::find(items, a.id, &ActionItem::id);
  if (same != items.end()) {
    *same = std::move(a);
  } else {
    items.push_back(std::move(a));
  }
}

}  // namespace

Result<ReportInput> ReportInputFromTimeline(const incident::Incident& incident,
                                            const std::vector<incident::TimelineEntry>& timeline,
                                            std::vector<std::string>* skipped) {
  ReportInput in;
  in.incident = incident;
  in.timeline = timeline;
  std::ranges::stable_sort(in.timeline, {}, &incident::TimelineEntry::seq);
  std::map<std::pair<std::string, Timestamp>, RunBuild> runs;
  for (size_t i = 0; i < in.timeline.size(); ++i) {
    const incident::TimelineEntry& e = in.timeline[i];
    if (!e.incident_id.empty() && !incident.id.empty() && e.incident_id != incident.id) {
      return Fail(ErrorCode::kInvalidArgument, "timeline entry " + std::to_string(e.seq) +
                                                   " belongs to " + e.incident_id + ", not " +
                                                   incident.id);
    }
    const bool rca = e.source == kRcaSource && e.kind == incident::EntryKind::kNote;
    const bool step = e.source == kRunbookSource && e.kind == incident::EntryKind::kAction;
    const bool item = e.kind == incident::EntryKind::kNote &&
                      e.details.find("\"action_item\"") != std::string::npos;
    if (!rca && !step && !item) continue;
    const json d = json::parse(e.details, nullptr, false);
    if (item) {
      AddActionItemEntry(d, in.action_items);
      continue;
    }
    Result<void> ok;
    if (rca) {
      auto a = AnalysisFromJson(d.is_discarded() ? json() : d);
      if (a) {
        in.owned_analysis = std::make_shared<const rca::Analysis>(std::move(*a));
      } else {
        ok = Fail(a.error());
      }
    } else {
      ok = AddStepEntry(d, runs, i);
    }
    if (!ok && skipped != nullptr) {
      skipped->push_back("timeline entry " + std::to_string(e.seq) + " (" + e.source +
                         "): " + ok.error().message());
    }
  }
  in.analysis = in.owned_analysis.get();
  std::vector<RunBuild*> order;
  for (auto& [key, build] : runs) order.push_back(&build);
  std::ranges::sort(order, [](const RunBuild* a, const RunBuild* b) {
    return std::tie(a->header.started, a->first_seen) < std::tie(b->header.started, b->first_seen);
  });
  for (RunBuild* b : order) {
    runbook::RunRecord run = std::move(b->header);
    for (auto& [key, s] : b->steps) run.steps.push_back(std::move(s));
    in.runs.push_back(std::move(run));
  }
  return in;
}

}  // namespace fw::report
