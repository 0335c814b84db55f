#include "metrics/stats/statistics.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace fw::metrics::stats {
namespace {

// 99.9 for "p99.9"; -1 when `name` is not a percentile.
double Percentile(const std::string& name) {
  if (name.size() < 2 || name[0] != 'p') return -1;
  char* end = nullptr;
  const double p = std::strtod(name.c_str() + 1, &end);
  if (*end != '\0' || !(p >= 0 && p <= 100)) return -1;
  return p;
}

double Summarise(const std::string& stat, std::vector<double>& v) {
  if (stat == "SampleCount") return static_cast<double>(v.size());
  double sum = 0;
  for (double x : v) sum += x;
  if (stat == "Sum") return sum;
  if (stat == "Average") return sum / static_cast<double>(v.size());
  if (stat == "Minimum") return *std::min_element(v.begin(), v.end());
  if (stat == "Maximum") return *std::max_element(v.begin(), v.end());
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  std::sort(v.begin(), v.end());
  const double p = Percentile(stat);
  const size_t rank = static_cast<size_t>(std::ceil(p / 100 * static_cast<double>(v.size())));
  return v[rank == 0 ? 0 : rank - 1];
}

}  // namespace

Result<void> ValidateStatistics(const std::vector<std::string>& names) {
  if (names.empty()) return Fail(ErrorCode::kInvalidArgument, "no statistics requested");
  for (const std::string& n : names) {
    const bool known = n == "SampleCount" || n == "Sum" || n == "Average" || n == "Minimum" ||
                       n == "Maximum" || Percentile(n) >= 0;
    if (!known) {
      return Fail(ErrorCode::kInvalidArgument,
                  "unknown statistic \"" + n +
                      "\" (expected SampleCount, Sum, Average, Minimum, Maximum or pNN like p99)");
    }
  }
  return {};
}

namespace {

Result<void> CheckRequest(const StatsRequest& r) {
  if (auto ok = ValidateStatistics(r.statistics); !ok) return Fail(ok.error());
  if (r.period_ms <= 0 || r.end <= r.start) {
    return Fail(ErrorCode::kInvalidArgument, "needs period > 0 and start < end");
  }
  if ((r.end - r.start) / r.period_ms > 100'000) {
    return Fail(ErrorCode::kInvalidArgument, "more than 100000 periods: use a longer period");
  }
  return {};
}

void Pool(const StatsRequest& r, Sample x, std::map<Timestamp, std::vector<double>>& periods) {
  if (x.t < r.start || x.t >= r.end || IsStaleNaN(x.v)) return;
  periods[r.start + (x.t - r.start) / r.period_ms * r.period_ms].push_back(x.v);
}

std::vector<Datapoint> Summarise(const StatsRequest& r,
                                 std::map<Timestamp, std::vector<double>>& periods) {
  std::vector<Datapoint> out;
  for (auto& [t, values] : periods) {
    Datapoint d{t, {}};
    for (const std::string& stat : r.statistics) d.values[stat] = Summarise(stat, values);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

Result<std::vector<Datapoint>> ComputeStatistics(const tsdb::Head& head, const StatsRequest& r) {
  if (auto ok = CheckRequest(r); !ok) return Fail(ok.error());
  auto series = head.Select(r.matchers, r.start, r.end - 1);
  if (!series) return Fail(series.error());
  std::map<Timestamp, std::vector<double>> periods;
  for (tsdb::Series& s : *series) {
    while (s.samples.Next()) Pool(r, s.samples.At(), periods);
  }
  return Summarise(r, periods);
}

Result<std::vector<Datapoint>> ComputeStatistics(const tsdb::Db& db, const StatsRequest& r) {
  if (auto ok = CheckRequest(r); !ok) return Fail(ok.error());
  auto series = db.Select(r.matchers, r.start, r.end - 1);
  if (!series) return Fail(series.error());
  std::map<Timestamp, std::vector<double>> periods;
  for (const tsdb::SeriesSamples& s : *series) {
    for (const Sample& x : s.samples) Pool(r, x, periods);
  }
  return Summarise(r, periods);
}

}  // namespace fw::metrics::stats
