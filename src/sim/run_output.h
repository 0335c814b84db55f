#pragma once
// `sim run`: runs a simulator to the end and writes its output to a directory:
// metrics.om (OpenMetrics), logs.ndjson and changes.ndjson. Files are written
// under temporary names, fsynced and renamed, so a crash never leaves a
// half-written file under the final name.

#include <string>

#include "common/error.h"
#include "sim/simulator.h"

namespace fw::sim {

struct RunOutput {
  size_t metric_samples = 0;
  size_t metric_series = 0;
  size_t log_lines = 0;
  size_t change_events = 0;
};

// REQUIRES: sim has not been stepped yet.
Result<RunOutput> RunToDirectory(Simulator& sim, const std::string& dir);

}  // namespace fw::sim
