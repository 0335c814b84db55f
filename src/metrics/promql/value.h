#pragma once
// Values a PromQL expression evaluates to. Instant vectors carry, per
// element, the time of the sample it came from (for timestamp()) and whether
// its metric name is due to be dropped: Prometheus 3 removes __name__ at the
// end of evaluation, not where a function is applied, so label_replace can
// still read it ("delayed name removal"). A sample is a float or a native
// histogram; a series may hold both, at different times.

#include <string>
#include <vector>

#include "common/labels.h"
#include "metrics/model.h"
#include "metrics/promql/functions.h"
#include "metrics/promql/histogram.h"

namespace fw::metrics::promql {

struct VectorElement {
  LabelSet labels;
  double v = 0;
  Timestamp t = 0;         // the underlying sample's time
  bool drop_name = false;  // __name__ goes away when evaluation ends
  HistogramPtr h = {};     // set: a native histogram sample (v unused)
};
using Vector = std::vector<VectorElement>;

struct MatrixSeries {
  LabelSet labels;
  std::vector<Sample> samples;
  bool drop_name = false;
  std::vector<HistogramSample> histograms = {};  // native histogram samples
};
using Matrix = std::vector<MatrixSeries>;

struct Value {
  ValueType type = ValueType::kNone;
  double scalar = 0;  // kScalar
  std::string str;    // kString
  Vector vector;      // kVector
  Matrix matrix;      // kMatrix (also a range query's result)
};

}  // namespace fw::metrics::promql
