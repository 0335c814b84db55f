// Analyze(): runs the collectors over [onset - lookback, now], then the
// catalog, and orders the evidence.

#include "rca/analysis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "rca/features.h"

namespace fw::rca {

const Evidence* Analysis::FindEvidence(const std::string& id) const {
  for (const Evidence& e : evidence) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

std::string FormatNumberShort(double v) {
  char buf[32];
  const double a = std::abs(v);
  if (a >= 100 || v == std::floor(v)) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else if (a >= 10) {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.2g", v);
  }
  return buf;
}

std::string FormatPercent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, share * 100 >= 10 || share == 0 ? "%.0f%%" : "%.1f%%",
                share * 100);
  return buf;
}

std::string FormatTime(Timestamp t) {
  const std::time_t s = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

namespace {

void HostEvidence(const Features& f, Analysis& a) {
  if (!f.cpu.present && !f.memory.present && f.oom_kills == 0) return;
  double cpu = 0, mem = 0;
  std::string hot;
  for (const auto& [i, s] : f.cpu.by) {
    if (s.current > cpu) cpu = s.current, hot = i;
  }
  for (const auto& [i, s] : f.memory.by) mem = std::max(mem, s.current);
  Evidence e;
  e.kind = EvidenceKind::kHost;
  e.id = "host:state";
  e.title = "hosts: CPU up to " + FormatPercent(cpu) + (hot.empty() ? "" : " (" + hot + ")") +
            ", memory up to " + FormatPercent(mem) + ", " + std::to_string(f.oom_kills) +
            " OutOfMemoryError kills";
  e.detail = "CPU and memory per instance now; OOM kills from the application's logs";
  e.query = "1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))";
  e.language = "promql";
  e.score = 0;
  a.evidence.push_back(std::move(e));
}

// Whether the ranking can be acted on. The margins were set on generated
// scenarios of the tuning seeds (BENCHMARKS.md): below them a wrong top
// hypothesis is about as likely as a right one.
constexpr double kStrongEnough = 0.35;
constexpr double kClearMargin = 0.1;

void Decide(Analysis& a) {
  if (a.hypotheses.empty()) {
    a.undecided = "no hypothesis";
    return;
  }
  const Hypothesis& top = a.hypotheses[0];
  const std::string best = top.category + " at " + FormatPercent(top.confidence);
  if (top.confidence < kStrongEnough) {
    a.undecided = "no hypothesis fits well (the best is " + best + ")";
    return;
  }
  if (a.hypotheses.size() > 1 && top.confidence - a.hypotheses[1].confidence < kClearMargin) {
    a.undecided = top.category + " and " + a.hypotheses[1].category + " fit about as well (" +
                  FormatPercent(top.confidence) + " and " +
                  FormatPercent(a.hypotheses[1].confidence) + ")";
    return;
  }
  a.decisive = true;
}

}  // namespace

Result<Analysis> Analyze(const EvidenceSources& sources, const AnalysisWindow& window) {
  if (window.now < window.onset) {
    return Fail(ErrorCode::kInvalidArgument, "analysis window ends (now) before the onset");
  }
  if (window.lookback_ms <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "analysis lookback must be > 0");
  }
  Analysis a;
  a.window = window;
  Features f;
  f.from = window.onset - window.lookback_ms;
  f.onset = window.onset;
  f.now = window.now;
  f.services = window.services;
  if (sources.metrics) {
    CollectMetrics(*sources.metrics, f, a);
    ScanAllSeries(*sources.metrics, f, a);
  } else {
    a.gaps.push_back("metrics: no source");
  }
  if (sources.logs) {
    CollectLogs(*sources.logs, f, a);
  } else {
    a.gaps.push_back("logs: no source");
  }
  if (sources.changes) {
    CollectChanges(*sources.changes, sources.metrics, f, a);
  } else {
    a.gaps.push_back("changes: no source");
  }
  if (sources.db) {
    CollectDatabase(*sources.db, f, a);
  } else {
    a.gaps.push_back("database diagnostics: no source");
  }
  HostEvidence(f, a);
  for (const Evidence& e : a.evidence) {
    if (e.first_moved &&
        (e.kind == EvidenceKind::kMetricAnomaly || e.kind == EvidenceKind::kLogPattern)) {
      a.timeline.push_back(e.id);
    }
  }
  std::stable_sort(a.timeline.begin(), a.timeline.end(),
                   [&](const std::string& x, const std::string& y) {
                     return a.FindEvidence(x)->first_moved < a.FindEvidence(y)->first_moved;
                   });
  a.hypotheses = EvaluateCatalog(f, a);
  Decide(a);
  return a;
}

}  // namespace fw::rca
