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

Result<void> MemoryStorage::Add(LabelSet labels, std::vector<Sample> samples) {
  std::sort(samples.begin(), samples.end(),
            [](const Sample& a, const Sample& b) { return a.t < b.t; });
  series_.push_back({std::move(labels), std::move(samples)});
  return {};
}

std::vector<StoredSeries> MemoryStorage::Select(std::span<const LabelMatcher> matchers,
                                                Timestamp mint, Timestamp maxt) const {
  std::vector<StoredSeries> out;
  auto compiled = CompiledMatchers::Compile(matchers);
  if (!compiled) return out;  // the engine compiles first and reports the error
  for (const StoredSeries& s : series_) {
    if (!compiled->Matches(s.labels)) continue;
    auto lo = std::lower_bound(s.samples.begin(), s.samples.end(), mint,
                               [](const Sample& a, Timestamp t) { return a.t < t; });
    auto hi = std::upper_bound(s.samples.begin(), s.samples.end(), maxt,
                               [](Timestamp t, const Sample& a) { return t < a.t; });
    if (lo == hi) continue;
    out.push_back({s.labels, std::vector<Sample>(lo, hi)});
  }
  return out;
}

}  // namespace fw::metrics::promql
