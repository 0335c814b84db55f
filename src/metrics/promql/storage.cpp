#include "metrics/promql/storage.h"

#include <re2/re2.h>

#include <algorithm>

namespace fw::metrics::promql {

CompiledMatchers::CompiledMatchers(CompiledMatchers&&) noexcept = default;
CompiledMatchers::~CompiledMatchers() = default;

Result<CompiledMatchers> CompiledMatchers::Compile(std::span<const LabelMatcher> matchers) {
  CompiledMatchers out;
  for (const LabelMatcher& m : matchers) {
    out.matchers_.push_back(m);
    if (m.type == MatchType::kRegexMatch || m.type == MatchType::kRegexNoMatch) {
      RE2::Options opts;
      opts.set_dot_nl(true);
      opts.set_log_errors(false);
      auto re = std::make_unique<RE2>("^(?:" + m.value + ")$", opts);
      if (!re->ok()) {
        return Fail(ErrorCode::kInvalidArgument,
                    "invalid regular expression \"" + m.value + "\": " + re->error());
      }
      out.regexes_.push_back(std::move(re));
    } else {
      out.regexes_.push_back(nullptr);
    }
  }
  return out;
}

bool CompiledMatchers::Matches(const LabelSet& labels) const {
  for (size_t i = 0; i < matchers_.size(); ++i) {
    const LabelMatcher& m = matchers_[i];
    const std::string_view v = labels.Get(m.name);
    bool ok = false;
    switch (m.type) {
      case MatchType::kEqual:
        ok = v == m.value;
        break;
      case MatchType::kNotEqual:
        ok = v != m.value;
        break;
      case MatchType::kRegexMatch:
        ok = RE2::FullMatch(v, *regexes_[i]);
        break;
      case MatchType::kRegexNoMatch:
        ok = !RE2::FullMatch(v, *regexes_[i]);
        break;
    }
    if (!ok) return false;
  }
  return true;
}

namespace {

// Time-ordered, keeping the first of samples that share a time.
template <typename T>
std::vector<T> SortedUnique(std::vector<T> v) {
  std::stable_sort(v.begin(), v.end(), [](const T& a, const T& b) { return a.t < b.t; });
  v.erase(std::unique(v.begin(), v.end(), [](const T& a, const T& b) { return a.t == b.t; }),
          v.end());
  return v;
}

}  // namespace

Result<void> LoadableStorage::AddMixed(LabelSet labels, std::vector<Sample> samples,
                                       std::vector<HistogramSample> histograms) {
  if (!histograms.empty())
    return Fail(ErrorCode::kInvalidArgument, "this store does not hold native histograms");
  return Add(std::move(labels), std::move(samples));
}

Result<void> MemoryStorage::Add(LabelSet labels, std::vector<Sample> samples) {
  return AddMixed(std::move(labels), std::move(samples), {});
}

Result<void> MemoryStorage::AddMixed(LabelSet labels, std::vector<Sample> samples,
                                     std::vector<HistogramSample> histograms) {
  // A series added again (a later load of the same labels) is extended; at a
  // shared time the newer sample wins.
  for (StoredSeries& s : series_) {
    if (s.labels != labels) continue;
    samples.insert(samples.end(), s.samples.begin(), s.samples.end());
    histograms.insert(histograms.end(), s.histograms.begin(), s.histograms.end());
    s.samples = SortedUnique(std::move(samples));
    s.histograms = SortedUnique(std::move(histograms));
    return {};
  }
  series_.push_back(
      {std::move(labels), SortedUnique(std::move(samples)), SortedUnique(std::move(histograms))});
  return {};
}

namespace {

// The samples of `v` with mint <= t <= maxt.
template <typename T>
std::vector<T> InRange(const std::vector<T>& v, Timestamp mint, Timestamp maxt) {
  auto lo =
      std::lower_bound(v.begin(), v.end(), mint, [](const T& a, Timestamp t) { return a.t < t; });
  auto hi =
      std::upper_bound(v.begin(), v.end(), maxt, [](Timestamp t, const T& a) { return t < a.t; });
  return std::vector<T>(lo, hi);
}

}  // namespace

std::vector<StoredSeries> MemoryStorage::Select(std::span<const LabelMatcher> matchers,
                                                Timestamp mint, Timestamp maxt) const {
  std::vector<StoredSeries> out;
  auto compiled = CompiledMatchers::Compile(matchers);
  if (!compiled) return out;  // the engine compiles first and reports the error
  for (const StoredSeries& s : series_) {
    if (!compiled->Matches(s.labels)) continue;
    StoredSeries got{s.labels, InRange(s.samples, mint, maxt), InRange(s.histograms, mint, maxt)};
    if (got.samples.empty() && got.histograms.empty()) continue;
    out.push_back(std::move(got));
  }
  return out;
}

}  // namespace fw::metrics::promql
