#pragma once
// CloudWatch-style statistics, the question operators ask mid-incident:
// "p99 of checkout latency per 5 minutes over the last hour". The raw
// samples of every series matching the selector are pooled per period
// [start + k*period, start + (k+1)*period) and summarised with the requested
// statistics: SampleCount, Sum, Average, Minimum, Maximum, and percentiles
// pNN or pNN.N (nearest-rank, as CloudWatch's percentile statistics).

#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "metrics/tsdb/db.h"
#include "metrics/tsdb/head.h"

namespace fw::metrics::stats {

struct StatsRequest {
  std::vector<LabelMatcher> matchers;  // at least the metric name
  Timestamp start = 0;
  Timestamp end = 0;  // exclusive
  int64_t period_ms = 300'000;
  std::vector<std::string> statistics;  // e.g. {"Average", "Maximum", "p99"}
};

struct Datapoint {
  Timestamp timestamp;                   // the period's start
  std::map<std::string, double> values;  // statistic name -> value
};

// Checks the statistic names ("Average", "p99.9", ...): kInvalidArgument
// names the bad one and lists the valid forms.
Result<void> ValidateStatistics(const std::vector<std::string>& names);

// Datapoints in time order; periods without samples are left out, as
// CloudWatch does. Staleness markers are not samples.
Result<std::vector<Datapoint>> ComputeStatistics(const tsdb::Head& head, const StatsRequest& r);
// The same over a whole store: on-disk blocks and head.
Result<std::vector<Datapoint>> ComputeStatistics(const tsdb::Db& db, const StatsRequest& r);

}  // namespace fw::metrics::stats
