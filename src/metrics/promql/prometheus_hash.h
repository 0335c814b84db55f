#pragma once
// The hash Prometheus gives a label set (labels.Labels.Hash): XXH64, seed 0,
// of name \xff value \xff for each label in order. limit_ratio samples series
// by it, so using the same function selects the same series Prometheus does.
// (LabelSet::Hash is a different, faster hash for lookups.)

#include <cstdint>
#include <string_view>

#include "common/labels.h"

namespace fw::metrics::promql {

// XXH64 of `data` with seed 0.
uint64_t Xxh64(std::string_view data);

uint64_t PrometheusHash(const LabelSet& labels);

}  // namespace fw::metrics::promql
