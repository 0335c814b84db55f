// Log evidence: error and warning lines clustered into templates (the
// Insights `pattern` command's clustering), each compared between the first
// half of the time before onset (the baseline) and the time since. New and
// surged templates become evidence, with the versions, instances and routes
// that logged them: the version tag on failing requests is what ties an
// error to a release.

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_map>

#include "logs/event_source.h"
#include "logs/insights/pattern.h"
#include "logs/level.h"
#include "rca/features.h"

namespace fw::rca {
namespace {

const logs::Value* FieldOf(const logs::LogEvent& e, std::string_view name) {
  for (const auto& [k, v] : e.fields) {
    if (k == name) return &v;
  }
  return nullptr;
}

unsigned Classify(const std::string& m) {
  auto has = [&](const char* s) { return m.find(s) != std::string::npos; };
  unsigned c = 0;
  if (has("Connection is not available") || has("Cannot get a connection") ||
      has("pool exhausted") || (has("HikariPool") && has("timed out")) ||
      has("QueuePool limit") ||                                          // SQLAlchemy
      has("Too many connections") || has("too many clients already")) {  // the server's limit
    c |= kLogPool;
  }
  if (has("leak detection") || has("Connection leak")) c |= kLogLeak;
  if (has("OutOfMemoryError")) c |= kLogOom;
  if (has("Lock wait timeout") || has("due to lock timeout") || has("Deadlock found") ||
      has("deadlock")) {
    c |= kLogLock;
  }
  if (has("Slow query") || has("slow query")) c |= kLogSlowQuery;
  if (has("did not answer") || has("Gateway") || has("upstream") || has("Read timed out") ||
      has("connect timed out")) {
    c |= kLogDependency;
  }
  if (has("not responding") || has("Watchdog")) c |= kLogHang;
  if (has("Thread pool exhausted") || has("RejectedExecution")) c |= kLogThreads;
  if (c == 0 && (has("Exception") || has("Error"))) c |= kLogException;
  return c;
}

constexpr int64_t kMinute = 60'000;

struct Acc {
  LogTemplate t;
  std::map<std::pair<int64_t, std::string>, int64_t> by_minute_version;
};

// An Insights query that lists the template's lines by version and minute.
std::string TemplateQuery(const std::string& pattern) {
  // The longest constant stretch of the template, quoted for `like`.
  std::string best, cur;
  for (size_t i = 0; i <= pattern.size(); ++i) {
    if (i == pattern.size() || pattern.compare(i, 3, "<*>") == 0) {
      if (cur.size() > best.size()) best = cur;
      cur.clear();
      if (i < pattern.size()) i += 2;
    } else {
      cur += pattern[i];
    }
  }
  while (!best.empty() && best.front() == ' ') best.erase(best.begin());
  while (!best.empty() && best.back() == ' ') best.pop_back();
  std::string quoted;
  for (char c : best) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return "filter @message like \"" + quoted + "\" | stats count(*) by version, bin(1m)";
}

}  // namespace

bool Features::InScope(const std::string& service) const {
  return services.empty() || service.empty() ||
         std::find(services.begin(), services.end(), service) != services.end();
}

std::vector<const LogTemplate*> Features::Templates(unsigned classes) const {
  std::vector<const LogTemplate*> out;
  for (const LogTemplate& t : templates) {
    if ((t.classes & classes) && (t.is_new || t.surged)) out.push_back(&t);
  }
  return out;
}

// A field's text without copying it when it is a string (most are).
std::string_view View(const logs::LogEvent& e, std::string_view name, std::string& scratch) {
  const logs::Value* v = FieldOf(e, name);
  if (!v) return {};
  if (v->kind() == logs::Value::Kind::kString) return v->str();
  scratch = v->ToString();
  return scratch;
}

// The first of several names a field goes by in structured logs (ECS and
// logstash "message", slog/zap/pino "msg", ...).
std::string_view AnyView(const logs::LogEvent& e, std::initializer_list<std::string_view> names,
                         std::string& scratch) {
  for (std::string_view n : names) {
    if (std::string_view v = View(e, n, scratch); !v.empty()) return v;
  }
  return {};
}

void CollectLogs(logs::EventSource& src, Features& f, Analysis& a) {
  std::map<std::string, Acc> acc;
  Timestamp data_start = 0;
  // An error flood repeats a few messages: cluster each distinct text once.
  std::unordered_map<std::string, std::string> pattern_of;
  // The version each instance was last seen on, by minute: most lines only
  // repeat it.
  std::unordered_map<std::string, std::pair<int64_t, std::string>> last_seen;
  std::string s1, s2, s3, s4, s5;
  auto scanned = src.Scan({f.from, f.now + 1}, [&](const logs::LogEvent& e) {
    if (!data_start || e.timestamp < data_start) data_start = e.timestamp;
    if (!f.InScope(std::string(View(e, "service", s1)))) return true;
    const std::string_view instance = AnyView(e, {"instance", "host", "hostname", "pod"}, s2);
    const std::string_view version = AnyView(e, {"version", "service.version", "app_version"}, s3);
    const int64_t minute = e.timestamp / kMinute;
    if (!instance.empty() && !version.empty()) {
      auto [it, added] = last_seen.try_emplace(std::string(instance));
      if (added || it->second.first != minute || it->second.second != version) {
        it->second = {minute, std::string(version)};
        f.versions_by_minute[minute * kMinute][it->first] = it->second.second;
      }
    }
    const std::string level = logs::NormalizeLevel(
        std::string(AnyView(e, {"level", "severity", "lvl", "log.level"}, s4)));
    if (!logs::IsProblemLevel(level)) return true;
    const std::string_view message = AnyView(e, {"message", "msg", "log", "text"}, s5);
    const std::string_view text = message.empty() ? std::string_view(e.message) : message;
    auto cached = pattern_of.find(std::string(text));
    if (cached == pattern_of.end()) {
      if (pattern_of.size() > 100'000) pattern_of.clear();  // bounded memory
      cached = pattern_of.emplace(std::string(text), logs::insights::PatternOf(text)).first;
    }
    const std::string& pattern = cached->second;
    Acc& x = acc[pattern];
    if (x.t.pattern.empty()) {
      x.t.pattern = pattern;
      x.t.sample = std::string(text);
      x.t.level = level;
      x.t.classes = Classify(x.t.sample);
      x.t.first_seen = e.timestamp;
    }
    x.t.first_seen = std::min(x.t.first_seen, e.timestamp);
    if (!version.empty()) ++x.t.by_version[std::string(version)];
    if (!instance.empty()) ++x.t.by_instance[std::string(instance)];
    const std::string_view route = View(e, "route", s1);
    if (!route.empty()) ++x.t.by_route[std::string(route)];
    ++x.by_minute_version[{minute, std::string(version)}];
    return true;
  });
  if (!scanned) {
    a.gaps.push_back("logs: " + scanned.error().message());
    return;
  }
  if (!data_start) return;
  const Timestamp base_end = data_start + std::max<int64_t>(0, f.onset - data_start) / 2;
  const double base_minutes = std::max(1.0, (base_end - data_start) / double(kMinute));
  const double recent_minutes = std::max(1.0, (f.now - base_end) / double(kMinute));
  for (auto& [pattern, x] : acc) {
    LogTemplate& t = x.t;
    for (const auto& [key, n] : x.by_minute_version) {
      const Timestamp at = key.first * kMinute;
      (at + kMinute <= base_end ? t.baseline_count : t.recent_count) += n;
      auto vm = f.versions_by_minute.find(at);
      if (vm == f.versions_by_minute.end()) continue;
      std::set<std::string> versions;
      for (const auto& [i, v] : vm->second) versions.insert(v);
      if (versions.size() > 1 && !key.second.empty()) t.mixed_by_version[key.second] += n;
    }
    // One watchdog or OutOfMemoryError line is news; other messages need a few.
    const bool rare = (t.classes & (kLogHang | kLogOom)) != 0;
    t.is_new = t.baseline_count == 0 && t.recent_count >= (rare ? 1 : 3);
    t.surged = !t.is_new && t.recent_count >= 10 &&
               t.recent_count / recent_minutes >= 5 * (t.baseline_count / base_minutes);
    if (!t.is_new && !t.surged) continue;
    Evidence e;
    e.kind = EvidenceKind::kLogPattern;
    e.id = "log:" + t.pattern;
    e.title = std::string(t.is_new ? "new " : "surging ") + t.level + " log template (" +
              std::to_string(t.recent_count) + " lines since " + FormatTime(base_end) +
              "): " + t.pattern;
    e.detail = "first seen " + FormatTime(t.first_seen) + "; baseline " +
               std::to_string(t.baseline_count) + " lines; by version:";
    for (const auto& [v, n] : t.by_version) e.detail += " " + v + "=" + std::to_string(n);
    e.detail += "; instances: " + std::to_string(t.by_instance.size());
    if (!t.by_route.empty()) {
      e.detail += "; routes:";
      for (const auto& [r, n] : t.by_route) e.detail += " " + r + "=" + std::to_string(n);
    }
    e.detail += "; sample: " + t.sample;
    e.query = TemplateQuery(t.pattern);
    e.language = "insights";
    e.first_moved = t.first_seen;
    e.score = static_cast<double>(t.recent_count) / recent_minutes;
    t.evidence_id = e.id;
    a.evidence.push_back(std::move(e));
  }
  for (auto& [p, x] : acc) {
    if (x.t.classes & kLogOom) f.oom_kills += x.t.baseline_count + x.t.recent_count;
    f.templates.push_back(std::move(x.t));
  }
  std::sort(f.templates.begin(), f.templates.end(), [](const LogTemplate& x, const LogTemplate& y) {
    return x.recent_count > y.recent_count;
  });
}

}  // namespace fw::rca
