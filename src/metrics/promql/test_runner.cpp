#include "metrics/promql/test_runner.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "metrics/promql/bucket_quantile.h"
#include "metrics/promql/nhcb.h"
#include "metrics/promql/parser.h"

namespace fw::metrics::promql {
namespace {

constexpr double kEpsilon = 1e-6;

bool Same(double want, double got) {
  if (IsStaleNaN(want) || IsStaleNaN(got)) return IsStaleNaN(want) == IsStaleNaN(got);
  return AlmostEqual(want, got, kEpsilon);
}

std::string Show(const LabelSet& l, const std::vector<std::string>& values) {
  std::string s = l.ToString();
  for (const std::string& v : values) s += " " + v;
  return s;
}

std::string ShowValue(const SeriesValue& v) {
  switch (v.kind) {
    case SeriesValue::Kind::kOmitted:
      return "_";
    case SeriesValue::Kind::kStale:
      return "stale";
    case SeriesValue::Kind::kHistogram:
      return v.histogram->ToString();
    default:
      return FormatFloat(v.value);
  }
}

// Does the error message satisfy the `expect fail` lines?
std::string CheckFailure(const EvalCommand& ev, const std::string& message) {
  for (const Expectation& x : ev.expectations) {
    if (x.kind != ExpectKind::kFail) continue;
    if (x.match == Expectation::Match::kExact && message != x.text) {
      return "expected error \"" + x.text + "\", got \"" + message + "\"";
    }
    if (x.match == Expectation::Match::kRegex && !RE2::PartialMatch(message, x.text)) {
      return "expected error matching /" + x.text + "/, got \"" + message + "\"";
    }
  }
  return "";
}

std::string CheckAnnotations(const EvalCommand& ev, const QueryResult& r) {
  for (const Expectation& x : ev.expectations) {
    const std::vector<std::string>& list =
        (x.kind == ExpectKind::kWarn || x.kind == ExpectKind::kNoWarn) ? r.warnings : r.infos;
    switch (x.kind) {
      case ExpectKind::kWarn:
      case ExpectKind::kInfo:
        if (list.empty()) {
          return std::string("expected ") +
                 (x.kind == ExpectKind::kWarn ? "a warning" : "an info") + ", got none";
        }
        break;
      case ExpectKind::kNoWarn:
      case ExpectKind::kNoInfo:
        if (!list.empty()) return "expected no annotation, got \"" + list[0] + "\"";
        break;
      default:
        break;
    }
  }
  return "";
}

// One point of a result or expected series: a float or a histogram.
struct Point {
  Timestamp t = 0;
  double v = 0;
  HistogramPtr h;
};

std::string ShowPoint(const Point& p, bool with_time) {
  std::string s = p.h ? p.h->ToString() : FormatFloat(p.v);
  return with_time ? s + "@" + std::to_string(p.t) : s;
}

bool SamePoint(const Point& want, const Point& got) {
  if ((want.h == nullptr) != (got.h == nullptr)) return false;
  if (want.h) return HistogramsAlmostEqual(*want.h, *got.h, kEpsilon);
  return Same(want.v, got.v);
}

std::string CompareVector(const EvalCommand& ev, const Vector& got) {
  if (got.size() != ev.expected_series.size()) {
    std::string s = "expected " + std::to_string(ev.expected_series.size()) + " series, got " +
                    std::to_string(got.size()) + ":";
    for (const VectorElement& e : got)
      s += " " + Show(e.labels, {ShowPoint({e.t, e.v, e.h}, false)});
    return s;
  }
  for (size_t i = 0; i < ev.expected_series.size(); ++i) {
    const SeriesLine& want = ev.expected_series[i];
    auto it = std::find_if(got.begin(), got.end(),
                           [&](const VectorElement& e) { return e.labels == want.labels; });
    if (it == got.end()) {
      std::string s = "missing series " + want.labels.ToString() + "; got:";
      for (const VectorElement& e : got) s += " " + e.labels.ToString();
      return s;
    }
    if (ev.Ordered() && it != got.begin() + static_cast<long>(i)) {
      return "series " + want.labels.ToString() + " at position " +
             std::to_string(it - got.begin()) + ", expected " + std::to_string(i);
    }
    if (want.values.size() != 1 ||
        !SamePoint({0, want.values[0].value, want.values[0].histogram}, {0, it->v, it->h})) {
      return "series " + want.labels.ToString() + ": expected " +
             (want.values.empty() ? "no value" : ShowValue(want.values[0])) + ", got " +
             ShowPoint({it->t, it->v, it->h}, false);
    }
  }
  return "";
}

// A series' floats and histograms merged in time order.
std::vector<Point> Points(const MatrixSeries& m) {
  std::vector<Point> out;
  for (const Sample& s : m.samples) out.push_back({s.t, s.v, nullptr});
  for (const HistogramSample& h : m.histograms) out.push_back({h.t, 0, h.h});
  std::stable_sort(out.begin(), out.end(),
                   [](const Point& a, const Point& b) { return a.t < b.t; });
  return out;
}

// The expected points of a line: per step from start; `_` is no point.
std::vector<Point> WantedPoints(const SeriesLine& w, Timestamp start, int64_t step) {
  std::vector<Point> want;
  for (size_t i = 0; i < w.values.size(); ++i) {
    const SeriesValue& x = w.values[i];
    if (x.kind == SeriesValue::Kind::kOmitted) continue;
    const double v = x.kind == SeriesValue::Kind::kStale ? StaleNaN() : x.value;
    want.push_back({start + static_cast<Timestamp>(i) * step, v, x.histogram});
  }
  return want;
}

// Range results: expected values are per step from start.
std::string CompareMatrix(const std::vector<SeriesLine>& want_series, const Matrix& got,
                          Timestamp start, int64_t step, bool check_times) {
  size_t expected_nonempty = 0;
  for (const SeriesLine& w : want_series) {
    expected_nonempty += std::any_of(w.values.begin(), w.values.end(), [](const SeriesValue& v) {
      return v.kind != SeriesValue::Kind::kOmitted;
    });
  }
  if (got.size() != expected_nonempty) {
    std::string s = "expected " + std::to_string(expected_nonempty) + " series, got " +
                    std::to_string(got.size()) + ":";
    for (const MatrixSeries& m : got) s += " " + m.labels.ToString();
    return s;
  }
  for (const SeriesLine& w : want_series) {
    auto it = std::find_if(got.begin(), got.end(),
                           [&](const MatrixSeries& m) { return m.labels == w.labels; });
    const std::vector<Point> want = WantedPoints(w, start, step);
    if (want.empty()) continue;
    if (it == got.end()) return "missing series " + w.labels.ToString();
    const std::vector<Point> have = Points(*it);
    bool ok = have.size() == want.size();
    for (size_t i = 0; ok && i < want.size(); ++i) {
      ok = SamePoint(want[i], have[i]) && (!check_times || want[i].t == have[i].t);
    }
    if (!ok) {
      std::vector<std::string> want_text, got_text;
      for (const Point& p : want) want_text.push_back(ShowPoint(p, check_times));
      for (const Point& p : have) got_text.push_back(ShowPoint(p, check_times));
      return "series " + w.labels.ToString() + ": expected" +
             Show(LabelSet{}, want_text).substr(2) + ", got" + Show(LabelSet{}, got_text).substr(2);
    }
  }
  return "";
}

std::string RunEval(const EvalCommand& ev, const Queryable& storage, const EngineOptions& options) {
  auto expr = ParseExpr(ev.query);
  Result<QueryResult> r =
      expr ? (ev.is_range ? RangeQuery(storage, **expr, ev.start_ms, ev.end_ms, ev.step_ms, options)
                          : InstantQuery(storage, **expr, ev.at_ms, options))
           : Result<QueryResult>(std::unexpected(expr.error()));
  if (!r) {
    if (!ev.ExpectsFailure()) return "unexpected error: " + r.error().message();
    return CheckFailure(ev, r.error().message());
  }
  if (ev.ExpectsFailure()) return "expected an error, got a result";
  if (std::string a = CheckAnnotations(ev, *r); !a.empty()) return a;
  const Value& v = r->value;
  if (ev.expected_string) {
    if (v.type != ValueType::kString || v.str != *ev.expected_string) {
      return "expected string \"" + *ev.expected_string + "\", got \"" + v.str + "\"";
    }
    return "";
  }
  if (ev.is_range)
    return CompareMatrix(ev.expected_series, v.matrix, ev.start_ms, ev.step_ms, true);
  switch (v.type) {
    case ValueType::kScalar:
      if (!ev.expected_scalar) return "expected a vector, got scalar " + FormatFloat(v.scalar);
      if (!Same(*ev.expected_scalar, v.scalar)) {
        return "expected scalar " + FormatFloat(*ev.expected_scalar) + ", got " +
               FormatFloat(v.scalar);
      }
      return "";
    case ValueType::kVector:
      if (ev.expected_scalar) return "expected a scalar, got a vector";
      return CompareVector(ev, v.vector);
    case ValueType::kMatrix: {
      if (ev.expected_range_vector) {
        return CompareMatrix(ev.expected_series, v.matrix, ev.expected_range_vector->start_ms,
                             ev.expected_range_vector->step_ms, true);
      }
      // Without explicit times, compare values in order.
      return CompareMatrix(ev.expected_series, v.matrix, 0, 1, false);
    }
    default:
      return "unexpected result type";
  }
}

}  // namespace

TestRunSummary RunTestScript(const TestScript& script, const EngineOptions& options) {
  MemoryStorage storage;
  return RunTestScript(script, storage, options);
}

TestRunSummary RunTestScript(const TestScript& script, LoadableStorage& storage,
                             const EngineOptions& options) {
  TestRunSummary sum;
  storage.Clear();
  for (const Command& cmd : script.commands) {
    if (const auto* load = std::get_if<LoadCommand>(&cmd)) {
      // A script may list one series twice; the later line's value wins at a
      // shared timestamp, as in promqltest's loader.
      std::map<LabelSet, std::map<Timestamp, Point>> merged;
      std::map<LabelSet, int> first_line;
      std::vector<LoadedSeries> all = load->series;
      if (load->with_nhcb) {
        for (LoadedSeries& s : ConvertClassicHistograms(load->series)) all.push_back(std::move(s));
      }
      for (const LoadedSeries& s : all) {
        first_line.try_emplace(s.labels, s.line);
        for (const Sample& x : s.samples) merged[s.labels][x.t] = {x.t, x.v, nullptr};
        for (const HistogramSample& x : s.histograms) merged[s.labels][x.t] = {x.t, 0, x.h};
      }
      for (auto& [labels, points] : merged) {
        std::vector<Sample> samples;
        std::vector<HistogramSample> histograms;
        for (const auto& [t, p] : points) {
          if (p.h)
            histograms.push_back({t, p.h});
          else
            samples.push_back({t, p.v});
        }
        // Stores without native histograms refuse series that have any.
        if (auto ok = storage.AddMixed(labels, std::move(samples), std::move(histograms)); !ok) {
          ++sum.failed;
          sum.failures.push_back({script.file, first_line[labels], "load", ok.error().message()});
        }
      }
    } else if (std::holds_alternative<ClearCommand>(cmd)) {
      storage.Clear();
    } else {
      const EvalCommand& ev = std::get<EvalCommand>(cmd);
      if (ev.ignored || ev.unsupported) {
        ++sum.skipped;
        continue;
      }
      std::string problem;
      try {
        problem = RunEval(ev, storage, options);
      } catch (const std::exception& e) {
        problem = std::string("exception: ") + e.what();
      }
      if (problem.empty()) {
        ++sum.passed;
      } else {
        ++sum.failed;
        sum.failures.push_back(
            {ev.file.empty() ? script.file : ev.file, ev.line, ev.query, problem});
      }
    }
  }
  return sum;
}

}  // namespace fw::metrics::promql
