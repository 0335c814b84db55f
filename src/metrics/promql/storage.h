#pragma once
// What the PromQL engine reads: series selected by label matchers with their
// samples in a time range. The TSDB head implements it for real data;
// MemoryStorage serves tests and the promqltest runner.

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/labels.h"
#include "metrics/model.h"
#include "metrics/promql/histogram.h"

namespace re2 {
class RE2;
}

namespace fw::metrics::promql {

struct StoredSeries {
  LabelSet labels;
  std::vector<Sample> samples;                   // time-ordered; stale markers included
  std::vector<HistogramSample> histograms = {};  // time-ordered native histograms
};

class Queryable {
 public:
  virtual ~Queryable() = default;
  // Series matching every matcher, with their samples in [mint, maxt]
  // (inclusive, ms). Series without samples there may be left out.
  virtual std::vector<StoredSeries> Select(std::span<const LabelMatcher> matchers, Timestamp mint,
                                           Timestamp maxt) const = 0;
};

// Label matchers compiled once (regexes through RE2, fully anchored).
class CompiledMatchers {
 public:
  // kInvalidArgument names the bad regex.
  static Result<CompiledMatchers> Compile(std::span<const LabelMatcher> matchers);
  CompiledMatchers(CompiledMatchers&&) noexcept;
  ~CompiledMatchers();
  // An absent label matches as the empty string, as in Prometheus.
  bool Matches(const LabelSet& labels) const;

 private:
  CompiledMatchers() = default;
  std::vector<LabelMatcher> matchers_;
  std::vector<std::unique_ptr<re2::RE2>> regexes_;  // null for = and !=
};

// A store that series can be loaded into whole: what the promqltest runner
// and `promql query` fill from recorded data.
class LoadableStorage : public Queryable {
 public:
  // Samples must be in time order within a series.
  virtual Result<void> Add(LabelSet labels, std::vector<Sample> samples) = 0;
  // A series with native histogram samples too (at times the floats do not
  // use). Stores without histograms refuse one with any (kInvalidArgument).
  virtual Result<void> AddMixed(LabelSet labels, std::vector<Sample> samples,
                                std::vector<HistogramSample> histograms);
  virtual void Clear() = 0;
};

// A simple in-memory store: a list of series scanned linearly.
class MemoryStorage final : public LoadableStorage {
 public:
  Result<void> Add(LabelSet labels, std::vector<Sample> samples) override;
  Result<void> AddMixed(LabelSet labels, std::vector<Sample> samples,
                        std::vector<HistogramSample> histograms) override;
  void Clear() override { series_.clear(); }
  size_t size() const { return series_.size(); }
  std::vector<StoredSeries> Select(std::span<const LabelMatcher> matchers, Timestamp mint,
                                   Timestamp maxt) const override;

 private:
  std::vector<StoredSeries> series_;
};

}  // namespace fw::metrics::promql
