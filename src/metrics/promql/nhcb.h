#pragma once
// Classic histograms as native histograms with custom buckets ("NHCB"), the
// conversion promqltest's `load_with_nhcb` applies: the series
// name_bucket{le=...}, name_count and name_sum of one label set become, at
// each time a bucket has a sample, one histogram of schema -53 named `name`
// whose bounds are the finite le values. The classic series stay as they are.

#include <vector>

#include "metrics/promql/test_script.h"

namespace fw::metrics::promql {

// The histogram series converted from the classic ones in `series` (which
// may hold other series too; those are ignored).
std::vector<LoadedSeries> ConvertClassicHistograms(const std::vector<LoadedSeries>& series);

}  // namespace fw::metrics::promql
