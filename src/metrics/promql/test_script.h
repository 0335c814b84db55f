#pragma once
// Reader for Prometheus's promqltest scripts (the .test files of the PromQL
// conformance suite). It only parses: it turns a script into commands that a
// runner executes against an engine, and it checks nothing about results.
//
// Script shape (see Prometheus promql/promqltest/README.md):
//   load 1m                          # also load_with_nhcb
//     metric{l="v"} 0+10x10 _ stale  # promtool series notation
//   clear
//   eval instant at 50m <query>      # or: eval range from <t> to <t> step <d> <query>
//     expect fail msg: <text>        # fail|warn|info [msg|regex: text], no_warn, no_info, ordered
//     {l="v"} 1 2 3                  # expected series, or a bare number for a scalar
//   ignore / resume                  # evals in between are kept but marked ignored
// A block ends at a blank or comment line. Old forms eval_fail, eval_warn,
// eval_info, eval_ordered, expected_fail_message and expected_fail_regexp are
// mapped onto the same expectations.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/error.h"
#include "common/labels.h"
#include "metrics/model.h"
#include "metrics/promql/histogram.h"

namespace fw::metrics::promql {

// One element of an expanded series: a float, a gap (`_`), a staleness
// marker, or a native histogram (`{{...}}`).
struct SeriesValue {
  enum class Kind { kFloat, kOmitted, kStale, kHistogram };
  Kind kind = Kind::kFloat;
  double value = 0;
  HistogramPtr histogram = {};  // kHistogram
  bool operator==(const SeriesValue&) const = default;
};

// A line such as `metric{a="b"} 1 2x3 _` with its values expanded.
struct SeriesLine {
  LabelSet labels;
  std::vector<SeriesValue> values;
  bool has_histogram = false;
  // `metric@st 0-1mx4`: start timestamps, not values (newer notation).
  // Not expanded; `values` stays empty.
  bool start_timestamps = false;
};

// Expands the values half of promtool series notation: "0+10x3" -> 0 10 20
// 30, "1x2" -> 1 1 1, "_x2" -> two gaps, "stale", "Inf", "-1-1x2" -> -1 -2 -3.
Result<std::vector<SeriesValue>> ExpandSeriesValues(std::string_view text);

// A whole `labels values...` line. Labels are exact (name="value"), with the
// metric name stored under __name__.
Result<SeriesLine> ParseSeriesLine(std::string_view line);

struct LoadedSeries {
  LabelSet labels;
  std::vector<Sample> samples;                   // gaps dropped; stale markers as StaleNaN()
  std::vector<HistogramSample> histograms = {};  // native histogram samples
  bool unsupported = false;                      // @st lines: skipped
  int line = 0;
};

struct LoadCommand {
  int line = 0;
  int64_t step_ms = 0;
  bool with_nhcb = false;  // load_with_nhcb: also convert classic histograms
  std::vector<LoadedSeries> series;
};

struct ClearCommand {
  int line = 0;
};

enum class ExpectKind { kFail, kWarn, kInfo, kNoWarn, kNoInfo, kOrdered };

struct Expectation {
  enum class Match { kAny, kExact, kRegex };
  ExpectKind kind = ExpectKind::kFail;
  Match match = Match::kAny;
  std::string text;  // message or regex; empty for kAny
};

struct EvalCommand {
  std::string file;
  int line = 0;
  std::string query;
  int query_column = 0;  // 1-based column of the query in the file line
  bool is_range = false;
  int64_t at_ms = 0;                              // instant queries
  int64_t start_ms = 0, end_ms = 0, step_ms = 0;  // range queries
  std::vector<Expectation> expectations;
  std::optional<std::string> expected_string;  // `expect string "..."`
  struct RangeVector {
    int64_t start_ms = 0, end_ms = 0, step_ms = 0;
  };
  std::optional<RangeVector> expected_range_vector;  // `expect range vector from..to..step`
  std::optional<double> expected_scalar;
  std::vector<SeriesLine> expected_series;
  bool unsupported = false;  // expected values use notation the runner lacks (@st)
  bool ignored = false;      // between `ignore` and `resume`

  bool ExpectsFailure() const { return Has(ExpectKind::kFail); }
  bool Ordered() const { return Has(ExpectKind::kOrdered); }
  bool Has(ExpectKind k) const;
};

using Command = std::variant<LoadCommand, ClearCommand, EvalCommand>;

struct TestScript {
  std::string file;
  std::vector<Command> commands;

  int CountEvals() const;
  int CountLoads() const;
};

// Errors carry file:line:column of the offending line.
Result<TestScript> ParseTestScript(std::string_view text, const std::string& file_name);
Result<TestScript> ReadTestScript(const std::string& path);

}  // namespace fw::metrics::promql
